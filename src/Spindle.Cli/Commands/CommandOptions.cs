using Spindle.Models.Quantization;

namespace Spindle.Cli.Commands;

/// <summary>Options and argument checks that several commands share.</summary>
internal static class CommandOptions
{
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
