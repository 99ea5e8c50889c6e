using System.CommandLine;
using Spindle.Cli.Options;
using System.Diagnostics;
using Spindle.Models.Quantization;

namespace Spindle.Cli.Commands;

/// <summary>`spindle quantize IN OUT TYPE [--threads N]`: llama-quantize's per-tensor recipe and reference quantizers.</summary>
internal static class QuantizeCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Argument<string>("input") { Description = "GGUF file to quantize (F32, F16 or BF16 weights)" };
        var output = new Argument<string>("output") { Description = "GGUF file to write" };
        var type = new Argument<string>("type") { Description = $"Target type: {string.Join(", ", LlamaFileTypes.KnownNames)}" };
        var threads = NumericOption.Threads();
        var command = new Command("quantize", "Quantize a GGUF model as llama-quantize does (same tensor types, byte-identical blocks)");
        command.Arguments.Add(input);
        command.Arguments.Add(output);
        command.Arguments.Add(type);
        command.Options.Add(threads);
        command.SetAction(parse =>
        {
            string inputPath = parse.GetRequiredValue(input), outputPath = parse.GetRequiredValue(output);
            LlamaFileType fileType = CommandOptions.ParseFileType(parse.GetRequiredValue(type));
            int threadCount = parse.GetValue(threads);
            if (Directory.Exists(inputPath)) throw new CliException($"input is a directory, not a GGUF file: {inputPath}");
            if (File.Exists(inputPath) && Path.GetFullPath(inputPath) == Path.GetFullPath(outputPath))
                throw new CliException($"the output would overwrite the input: {outputPath}");

            var clock = Stopwatch.StartNew();
            ModelWriteProgress.Run(context, $"quantize {Path.GetFileName(outputPath)}",
                observer => ModelQuantizer.Quantize(inputPath, outputPath, fileType, threadCount, observer));
            context.Out.WriteLine($"wrote {TerminalText.Escape(outputPath)} ({new FileInfo(outputPath).Length:N0} bytes, {parse.GetRequiredValue(type).ToLowerInvariant()}) in {clock.Elapsed.TotalSeconds:F1} s");
            return 0;
        });
        return command;
    }
}
