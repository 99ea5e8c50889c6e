using System.CommandLine;
using Spindle.Cli.Commands;
using Spindle.Generation;
using Spindle.Gguf;
using Spindle.Models;

namespace Spindle.Cli;

/// <summary>The options every model-running command shares (--model, --threads) and loading a model from them.</summary>
internal static class ModelCommandOptions
{
    public static Option<string?> Model() => new("--model", "-m")
    {
        Description = $"Path to a GGUF model or a Hugging Face checkpoint folder (default: ${ModelPathResolver.EnvironmentVariable}, else the built-in TinyStories 656K model in models/)",
    };

    /// <summary>The shared --tokenizer option: the model's own tokenizer.json beside a GGUF whose table lost its merges.</summary>
    public static Option<string?> Tokenizer() => new("--tokenizer")
    {
        Description = "Tokenize with this tokenizer.json (or a folder holding one, or another GGUF) instead of the model's own",
    };

    /// <summary>The shared --threads/-t option (default: the core count), checked at parse time.</summary>
    public static Option<int> Threads() => AtLeast(CommandOptions.Threads(), 1);

    /// <summary>Adds a check that the option's value is at least <paramref name="minimum"/>.</summary>
    public static Option<int> AtLeast(Option<int> option, int minimum)
    {
        option.Validators.Add(result =>
        {
            int value;
            try
            {
                value = result.GetValueOrDefault<int>();
            }
            catch (InvalidOperationException)
            {
                return; // not a number: the parser reports that itself
            }
            if (value < minimum)
                result.AddError(minimum == 0 ? $"{option.Name} must not be negative" : $"{option.Name} must be at least {minimum}");
        });
        return option;
    }

    public static Option<int?> ContextSize() =>
        new("--ctx-size", "-c") { Description = "Context length in tokens (default: the model's)" };

    /// <summary>Loads the resolved model with its tokenizer and chat template, for the generating commands.</summary>
    public static SpindleModel LoadSpindle(string? modelPath, int threads, int? contextLength = null, string? tokenizerPath = null)
    {
        if (contextLength is < 1) throw new CliException($"--ctx-size must be ≥ 1, not {contextLength}");
        string path = ModelPathResolver.Resolve(modelPath);
        ModelFiles.CheckExists(path);
        CheckTokenizerPath(tokenizerPath);
        try
        {
            return SpindleModel.Load(path, new SpindleModelOptions { ThreadCount = threads, ContextLength = contextLength, TokenizerPath = tokenizerPath });
        }
        catch (GgufFormatException ex)
        {
            throw new GgufFormatException($"{path}: {ex.Message}");
        }
        catch (ModelFormatException ex)
        {
            throw new NotSupportedException($"{path}: cannot run this model: {ex.Message}", ex);
        }
    }

    /// <summary>A --tokenizer that names nothing is reported before the model is loaded.</summary>
    public static void CheckTokenizerPath(string? tokenizerPath)
    {
        if (tokenizerPath != null && !File.Exists(tokenizerPath) && !Directory.Exists(tokenizerPath))
            throw new FileNotFoundException($"tokenizer file not found: {tokenizerPath}", tokenizerPath);
    }

    /// <summary>Loads the resolved model; a file the loader rejects is reported with its path.</summary>
    public static Model Load(string? modelOption, int threads, int microBatchSize = ModelOptions.DefaultMicroBatchSize)
    {
        string path = ModelPathResolver.Resolve(modelOption);
        var file = ModelFiles.Open(path);
        try
        {
            return Models.Model.Load(file, new ModelOptions { ThreadCount = threads, MicroBatchSize = microBatchSize }, ownsFile: true);
        }
        catch (ModelFormatException ex)
        {
            file.Dispose();
            throw new NotSupportedException($"{path}: cannot run this model: {ex.Message}", ex);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }
}
