using System.CommandLine;
using Spindle.Models.Quantization;

namespace Spindle.Cli.Commands;

/// <summary>Options and argument checks that several commands share.</summary>
internal static class CommandOptions
{
    public static Option<int> Threads() => new("--threads", "-t")
    {
        Description = "Worker threads (default: all processors)",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    public static int CheckThreads(int threads) =>
        threads >= 1 ? threads : throw new CliException($"--threads must be at least 1, got {threads}");

    public static LlamaFileType ParseFileType(string name)
    {
        try
        {
            return LlamaFileTypes.Parse(name);
        }
        catch (ArgumentException)
        {
            throw new CliException($"unknown quantization type '{name}' (known: {string.Join(", ", LlamaFileTypes.KnownNames)})");
        }
    }
}
