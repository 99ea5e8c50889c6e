using System.CommandLine;
using Spindle.Cli.Commands;

namespace Spindle.Cli;

/// <summary>The `spindle` root command: each verb lives in its own file under Commands/.</summary>
public static class SpindleCommand
{
    public static int Run(string[] args) => Run(args, Console.Out, Console.Error, Console.In);

    /// <summary>Runs the command line against the given streams (tests run commands in-process this way).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, TextReader? input = null, bool? outputIsTerminal = null)
    {
        var context = new CliContext(output, error, input ?? TextReader.Null, outputIsTerminal);
        var root = CreateRoot(context, out var verbose);
        ParseResult parsed = root.Parse(args);
        bool wantsVerbose = parsed.GetValue(verbose);
        if (parsed.Errors.Count > 0)
        {
            // One line: the most telling error. A stray word also makes "Required command was not provided" appear,
            // but the word itself is what the user needs to see.
            var first = parsed.Errors[0];
            foreach (var e in parsed.Errors)
                if (e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) { first = e; break; }
            var command = parsed.CommandResult.Command;
            ErrorReporter.Line(error, first.Message + (ReferenceEquals(command, root) ? " (see 'spindle --help')" : $" (see 'spindle {command.Name} --help')"));
            return ErrorReporter.UsageError;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex)
        {
            output.Flush();
            return ErrorReporter.Report(ex, error, wantsVerbose);
        }
    }

    /// <summary>The `spindle` command with every verb (tests walk it to reach every option).</summary>
    internal static Command CreateRoot(CliContext context, out Option<bool> verbose)
    {
        verbose = new Option<bool>("--verbose") { Description = "Print the full exception on errors", Recursive = true };
        // A plain Command rather than RootCommand: RootCommand takes its name from the executable (Spindle.Cli), and
        // help should say `spindle`. The root's built-in options are added by hand.
        var root = new Command("spindle", "Spindle: run GGUF language models (or Hugging Face llama checkpoints) on the CPU, with control over how text is generated.");
        root.Options.Add(new System.CommandLine.Help.HelpOption());
        root.Options.Add(new VersionOption());
        root.Options.Add(verbose);
        root.Subcommands.Add(InspectCommand.Create(context));
        root.Subcommands.Add(TokenizeCommand.Create(context));
        root.Subcommands.Add(DetokenizeCommand.Create(context));
        root.Subcommands.Add(LogitsCommand.Create(context));
        root.Subcommands.Add(BenchCommand.Create(context));
        root.Subcommands.Add(Commands.BenchServe.BenchServeCommand.Create(context));
        root.Subcommands.Add(QuantizeCommand.Create(context));
        root.Subcommands.Add(ConvertCommand.Create(context));
        root.Subcommands.Add(SynthCommand.Create(context));
        root.Subcommands.Add(GenerateCommand.Create(context));
        root.Subcommands.Add(ChatCommand.Create(context));
        root.Subcommands.Add(PerplexityCommand.Create(context));
        root.Subcommands.Add(MaskBenchCommand.Create(context));
        root.Subcommands.Add(AsapDemoCommand.Create(context));
        root.Subcommands.Add(AgentCommand.Create(context));
        root.Subcommands.Add(ServeCommand.Create(context));
        root.Subcommands.Add(Commands.Watermark.WatermarkCommand.Create(context));
        return root;
    }
}
