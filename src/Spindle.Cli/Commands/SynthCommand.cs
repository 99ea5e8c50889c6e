using System.CommandLine;
using Spindle.Cli.Options;
using System.Diagnostics;
using Spindle.Models;
using Spindle.Models.Quantization;
using Spindle.Models.Synthetic;

namespace Spindle.Cli.Commands;

/// <summary>
/// `spindle synth --shape NAME --vocab VOCAB.gguf --type TYPE --out FILE [--seed S] [--threads N]`: a random-weight
/// llama model of a known shape with a real tokenizer, for benchmarks at real sizes without downloads.
/// `spindle synth --grow MODEL.gguf --ffn N --epsilon E --out FILE [--seed S] [--threads N]`: the real model with every
/// layer's FFN widened to N units (<see cref="ModelGrower"/>), a costlier near-copy whose draft the original can be.
/// </summary>
internal static class SynthCommand
{
    // Far above any real model's FFN (llama-3 405B: 53,248) while keeping a grown row's floats within one array.
    private const int MaxFeedForwardLength = 1 << 22;

    public static Command Create(CliContext context)
    {
        var shape = new Option<string>("--shape") { Description = $"Model shape: {string.Join(", ", ModelShape.Known.Select(s => s.Name))} (required without --grow)" };
        var vocab = new Option<string>("--vocab") { Description = "GGUF file whose tokenizer (tokenizer.* keys) the model gets (required without --grow)" };
        var type = new Option<string>("--type") { Description = $"Weight type: {string.Join(", ", LlamaFileTypes.KnownNames)} (required without --grow)" };
        var grow = new Option<string>("--grow") { Description = "Instead of random weights: GGUF model whose FFN to widen (llama-style ffn_gate/ffn_up/ffn_down); needs --ffn and --epsilon" };
        var ffn = NumericOption.OptionalInt("--ffn", "With --grow: the new FFN width (at least the model's own)", NumericRange.Integers(1, MaxFeedForwardLength));
        var epsilon = NumericOption.OptionalFloat("--epsilon", "With --grow: how far the grown model strays: the extra units perturb each FFN output by about this fraction of its scale, for any --ffn (0: the same logits)", NumericRange.Reals(0, 1000));
        var output = new Option<string>("--out", "-o") { Description = "GGUF file to write", Required = true };
        var seed = NumericOption.UInt64("--seed", "Seed of the random weights (same seed, same file)", 0);
        var threads = NumericOption.Threads();
        var command = new Command("synth", "Write a random-weight llama-architecture GGUF of a known shape with a real tokenizer, or (--grow) a real model with wider FFNs");
        foreach (var o in new Option[] { shape, vocab, type, grow, ffn, epsilon, output, seed, threads }) command.Options.Add(o);
        // Which options are required depends on the mode; checked while parsing, so a usage error comes before any file
        // is opened. Options of the other mode are refused when the command runs (parsing accepts every option alone).
        command.Validators.Add(result =>
        {
            bool growing = result.GetResult(grow) is { Implicit: false };
            var needed = growing ? new Option[] { ffn, epsilon } : [shape, vocab, type];
            var missing = needed.Where(o => result.GetResult(o) is not { Implicit: false }).Select(o => o.Name).ToArray();
            if (missing.Length == 0) return;
            result.AddError(growing
                ? $"--grow needs {string.Join(" and ", missing)}"
                : $"synth needs {string.Join(", ", missing)} (a random model), or --grow MODEL.gguf --ffn N --epsilon E (a grown one)");
        });
        command.SetAction(parse =>
        {
            int threadCount = parse.GetValue(threads);
            string outputPath = parse.GetRequiredValue(output);
            bool growing = parse.GetValue(grow) is not null;
            foreach (var o in growing ? new Option[] { shape, vocab, type } : [ffn, epsilon])
            {
                if (parse.GetResult(o) is { Implicit: false })
                    throw new CliException(growing ? $"{o.Name} makes a random model; it does not go with --grow" : $"{o.Name} goes with --grow MODEL.gguf");
            }
            if (growing)
                return Grow(context, parse.GetValue(grow)!, parse.GetValue(ffn)!.Value, parse.GetValue(epsilon)!.Value, outputPath, parse.GetValue(seed), threadCount);

            ModelShape modelShape;
            try
            {
                modelShape = ModelShape.Find(parse.GetRequiredValue(shape));
            }
            catch (ArgumentException ex)
            {
                throw new CliException(ex.Message.Split(" (Parameter", 2)[0]);
            }
            LlamaFileType fileType = CommandOptions.ParseFileType(parse.GetRequiredValue(type));

            using var vocabulary = ModelFiles.Open(parse.GetRequiredValue(vocab));
            var clock = Stopwatch.StartNew();
            ModelWriteProgress.Run(context, $"synth {Path.GetFileName(outputPath)}",
                observer => SyntheticModelWriter.Write(modelShape, vocabulary.Metadata, fileType, outputPath, parse.GetValue(seed), threadCount, observer));
            context.Out.WriteLine($"wrote {TerminalText.Escape(outputPath)} ({modelShape.Name}, {new FileInfo(outputPath).Length:N0} bytes, {parse.GetRequiredValue(type).ToLowerInvariant()}) in {clock.Elapsed.TotalSeconds:F1} s");
            return 0;
        });
        return command;
    }

    private static int Grow(CliContext context, string inputPath, int feedForwardLength, float epsilon, string outputPath, ulong seed, int threads)
    {
        if (Directory.Exists(inputPath)) throw new CliException($"--grow takes a GGUF file, not a directory: {inputPath}");
        if (File.Exists(inputPath) && Path.GetFullPath(inputPath) == Path.GetFullPath(outputPath))
            throw new CliException($"the output would overwrite the input: {outputPath}");
        using var input = ModelFiles.Open(inputPath);
        int current;
        try
        {
            current = ModelGrower.FeedForwardLengthOf(input);
        }
        catch (ModelFormatException ex)
        {
            throw new CliException($"cannot grow {inputPath}: {ex.Message}");
        }
        if (feedForwardLength < current)
            throw new CliException($"--ffn {feedForwardLength} is smaller than the model's FFN width {current}; a grown model must be at least as wide");

        var options = new GrowOptions { FeedForwardLength = feedForwardLength, Epsilon = epsilon, Seed = seed, Threads = threads };
        var clock = Stopwatch.StartNew();
        ModelWriteProgress.Run(context, $"grow {Path.GetFileName(outputPath)}", observer => ModelGrower.Grow(input, outputPath, options, observer));
        context.Out.WriteLine(
            $"wrote {TerminalText.Escape(outputPath)} (FFN {current} -> {feedForwardLength}, epsilon {epsilon.ToString(System.Globalization.CultureInfo.InvariantCulture)}, {new FileInfo(outputPath).Length:N0} bytes) in {clock.Elapsed.TotalSeconds:F1} s");
        return 0;
    }
}
