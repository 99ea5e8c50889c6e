using System.CommandLine;
using Spindle.Cli.Options;
using System.Diagnostics;
using Spindle.Models.Quantization;
using Spindle.Models.Synthetic;

namespace Spindle.Cli.Commands;

/// <summary>
/// `spindle synth --shape NAME --vocab VOCAB.gguf --type TYPE --out FILE [--seed S] [--threads N]`: a random-weight
/// llama model of a known shape with a real tokenizer, for benchmarks at real sizes without downloads.
/// </summary>
internal static class SynthCommand
{
    public static Command Create(CliContext context)
    {
        var shape = new Option<string>("--shape") { Description = $"Model shape: {string.Join(", ", ModelShape.Known.Select(s => s.Name))}", Required = true };
        var vocab = new Option<string>("--vocab") { Description = "GGUF file whose tokenizer (tokenizer.* keys) the model gets", Required = true };
        var type = new Option<string>("--type") { Description = $"Weight type: {string.Join(", ", LlamaFileTypes.KnownNames)}", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "GGUF file to write", Required = true };
        var seed = NumericOption.UInt64("--seed", "Seed of the random weights (same seed, same file)", 0);
        var threads = NumericOption.Threads();
        var command = new Command("synth", "Write a random-weight llama-architecture GGUF of a known shape with a real tokenizer");
        foreach (var o in new Option[] { shape, vocab, type, output, seed, threads }) command.Options.Add(o);
        command.SetAction(parse =>
        {
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
            int threadCount = parse.GetValue(threads);
            string outputPath = parse.GetRequiredValue(output);

            using var vocabulary = ModelFiles.Open(parse.GetRequiredValue(vocab));
            var clock = Stopwatch.StartNew();
            ModelWriteProgress.Run(context, $"synth {Path.GetFileName(outputPath)}",
                observer => SyntheticModelWriter.Write(modelShape, vocabulary.Metadata, fileType, outputPath, parse.GetValue(seed), threadCount, observer));
            context.Out.WriteLine($"wrote {TerminalText.Escape(outputPath)} ({modelShape.Name}, {new FileInfo(outputPath).Length:N0} bytes, {parse.GetRequiredValue(type).ToLowerInvariant()}) in {clock.Elapsed.TotalSeconds:F1} s");
            return 0;
        });
        return command;
    }
}
