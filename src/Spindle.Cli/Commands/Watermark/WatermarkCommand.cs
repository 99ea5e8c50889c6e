using System.CommandLine;

namespace Spindle.Cli.Commands.Watermark;

/// <summary>
/// `spindle watermark`: the parent of the watermark verbs, one file each in this folder. `spindle generate --watermark`
/// (and `spindle chat`) embed a watermark; the verbs here work on text that may carry one.
/// </summary>
internal static class WatermarkCommand
{
    internal static Command Create(CliContext context)
    {
        var command = new Command("watermark", "Watermarked text: detect a watermark, evaluate a scheme, embed a black-box word watermark in given text (`spindle generate --watermark` embeds one; see docs/watermarking.md)");
        command.Subcommands.Add(WatermarkDetectCommand.Create(context));
        command.Subcommands.Add(WatermarkEvalCommand.Create(context));
        command.Subcommands.Add(WatermarkEmbedCommand.Create(context));
        return command;
    }
}
