using System.CommandLine;
using Spindle.Cli.Options;
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
    public static Option<int> Threads() => NumericOption.Threads();

    /// <summary>The largest context -c accepts (2^24 tokens); whether it fits in memory is checked when the cache is made.</summary>
    public const int MaxContextLength = 1 << 24;

    public static Option<int?> ContextSize() =>
        NumericOption.OptionalInt("--ctx-size", "Context length in tokens (default: the model's); its KV cache must fit in memory",
            NumericRange.Integers(1, MaxContextLength), "-c");

    /// <summary>
    /// Loads the resolved model with its tokenizer and chat template (<paramref name="chatTemplate"/> instead of the
    /// file's when given), for the generating commands. Errors name the file.
    /// </summary>
    public static SpindleModel LoadSpindle(string? modelPath, int threads, int? contextLength = null, string? chatTemplate = null, string? tokenizerPath = null,
        Caching.KvCacheFormat? cacheFormat = null)
    {
        string path = ModelPathResolver.Resolve(modelPath);
        ModelFiles.CheckExists(path);
        CheckTokenizerPath(tokenizerPath);
        try
        {
            return SpindleModel.Load(path, new SpindleModelOptions { ThreadCount = threads, ContextLength = contextLength, ChatTemplate = chatTemplate, TokenizerPath = tokenizerPath,
                CacheType = cacheFormat ?? Caching.KvCacheFormat.F16 });
        }
        catch (GgufFormatException ex)
        {
            throw new GgufFormatException($"{path}: {ex.Message}");
        }
        catch (ModelFormatException ex)
        {
            throw new ModelFormatException($"{path}: {ex.Message}");
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
            throw new ModelFormatException($"{path}: {ex.Message}");
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }
}
