using Spectre.Console;

namespace Spindle.Cli;

/// <summary>Where a command reads and writes: the process's streams in production, string writers in tests.</summary>
public sealed class CliContext(TextWriter output, TextWriter error, TextReader input)
{
    public TextWriter Out { get; } = output;
    public TextWriter Error { get; } = error;
    public TextReader In { get; } = input;

    /// <summary>Spectre console over <see cref="Out"/>: colours only on a real terminal, a wide fixed width otherwise so tables do not wrap.</summary>
    public IAnsiConsole CreateConsole()
    {
        bool terminal = ReferenceEquals(Out, Console.Out) && !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(Out),
        });
        if (!terminal) console.Profile.Width = 160;
        return console;
    }
}
