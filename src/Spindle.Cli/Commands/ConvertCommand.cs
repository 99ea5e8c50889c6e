using System.CommandLine;
using System.Diagnostics;
using Spindle.Cli.Options;
using Spindle.Gguf;
using Spindle.Models.HuggingFace;
using Spindle.Models.Quantization;

namespace Spindle.Cli.Commands;

/// <summary>
/// `spindle convert HF_DIR OUT.gguf [--type f16]`: a Hugging Face llama checkpoint folder → GGUF, as llama.cpp's
/// convert_hf_to_gguf.py writes it (same names, Q/K rows reordered for llama RoPE), keeping the model's own tokenizer:
/// its tokenizer.json whole, plus the token table llama.cpp reads.
/// </summary>
internal static class ConvertCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Argument<string>("checkpoint") { Description = "Hugging Face checkpoint folder (config.json, *.safetensors, tokenizer.json)" };
        var output = new Argument<string>("output") { Description = "GGUF file to write" };
        var type = new Option<string>("--type", "--outtype") { Description = $"Weight type, f16 as llama.cpp's converter writes by default: {string.Join(", ", LlamaFileTypes.KnownNames)}", DefaultValueFactory = _ => "f16" };
        var threads = NumericOption.Threads();
        var command = new Command("convert", "Convert a Hugging Face llama checkpoint folder (safetensors) into a GGUF file");
        command.Arguments.Add(input);
        command.Arguments.Add(output);
        command.Options.Add(type);
        command.Options.Add(threads);
        command.SetAction(parse =>
        {
            string inputPath = parse.GetRequiredValue(input), outputPath = parse.GetRequiredValue(output);
            LlamaFileType fileType = CommandOptions.ParseFileType(parse.GetRequiredValue(type));
            int threadCount = parse.GetValue(threads);
            if (!Directory.Exists(inputPath))
                throw new CliException(File.Exists(inputPath)
                    ? $"input is a file, not a checkpoint folder: {TerminalText.Escape(inputPath)} (use `spindle quantize` for GGUF files)"
                    : $"checkpoint folder not found: {TerminalText.Escape(inputPath)}");

            var clock = Stopwatch.StartNew();
            ModelWriteProgress.Run(context, $"convert {Path.GetFileName(outputPath)}",
                observer => HfConverter.Convert(inputPath, outputPath, fileType, threadCount, observer));
            context.Out.WriteLine($"wrote {TerminalText.Escape(outputPath)} ({new FileInfo(outputPath).Length:N0} bytes, {parse.GetRequiredValue(type).ToLowerInvariant()}) in {clock.Elapsed.TotalSeconds:F1} s");
            using var written = GgufFile.Open(outputPath);
            if (!written.Metadata.ContainsKey(GgufKeys.TokenizerModel))
                context.Error.WriteLine("note: the tokenizer has no tokenizer.ggml table (only its tokenizer.json is stored): llama.cpp cannot tokenize with this file");
            return 0;
        });
        return command;
    }
}
