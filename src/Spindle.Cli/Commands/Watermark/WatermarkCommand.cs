using System.CommandLine;

namespace Spindle.Cli.Commands.Watermark;

/// <summary>`spindle watermark`: the watermark verbs, one file each.</summary>
internal static class WatermarkCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("watermark", "Evaluate token watermarks and embed a black-box text watermark");
        command.Subcommands.Add(WatermarkEvalCommand.Create(context));
        command.Subcommands.Add(WatermarkEmbedCommand.Create(context));
        return command;
    }
}
