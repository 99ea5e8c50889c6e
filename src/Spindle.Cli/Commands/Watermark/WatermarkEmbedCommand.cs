using System.CommandLine;

namespace Spindle.Cli.Commands.Watermark;

internal static class WatermarkEmbedCommand
{
    public static Command Create(CliContext context) => new("embed", "placeholder");
}
