using System.CommandLine;
using Spindle.Cli.Inspection;

namespace Spindle.Cli.Commands;

/// <summary>`spindle inspect MODEL.gguf [--json]`: what a GGUF file holds, without loading its weights.</summary>
internal static class InspectCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Argument<string>("model") { Description = "Path to a GGUF file or a Hugging Face checkpoint folder" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (with all metadata) instead of tables" };
        var command = new Command("inspect", "Show a GGUF file's (or checkpoint folder's) architecture, hyper-parameters, tokenizer and tensors");
        command.Arguments.Add(model);
        command.Options.Add(json);
        command.SetAction(parse =>
        {
            using var file = ModelFiles.Open(parse.GetRequiredValue(model));
            var summary = ModelSummary.From(file);
            if (parse.GetValue(json)) context.Out.WriteLine(InspectJsonReport.Write(summary));
            else InspectTextReport.Write(context.CreateConsole(), summary);
            return 0;
        });
        return command;
    }
}
