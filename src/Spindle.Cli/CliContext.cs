using Spectre.Console;

namespace Spindle.Cli;

/// <summary>Where a command reads and writes: the process's streams in production, string writers in tests.</summary>
/// <param name="outputIsTerminal">Whether <paramref name="output"/> is shown on a terminal; null: it is when it is the
/// process's stdout and that is not redirected. Tests set it to see what a terminal would get.</param>
public sealed class CliContext(TextWriter output, TextWriter error, TextReader input, bool? outputIsTerminal = null)
{
    public TextWriter Out { get; } = output;
    public TextWriter Error { get; } = error;
    public TextReader In { get; } = input;

    /// <summary>True when stdout is a terminal (not a pipe or a file).</summary>
    public bool OutIsTerminal { get; } = outputIsTerminal ?? (ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected);

    /// <summary>True when the process's standard input is what <see cref="In"/> reads and it is not redirected.</summary>
    public bool InIsTerminal => ReferenceEquals(In, Console.In) && !Console.IsInputRedirected;

    /// <summary>
    /// Writes generated text, the product itself: exactly as generated when stdout is a pipe or a file (a consumer gets
    /// the model's bytes, as with llama.cpp), with control characters other than line feeds and tabs escaped when it is
    /// a terminal, so no output can clear the screen, move the cursor or retitle the window.
    /// </summary>
    public void WriteGenerated(string text) => Out.Write(OutIsTerminal ? TerminalText.EscapeKeepingLines(text) : text);

    /// <summary>Spectre console over <see cref="Out"/>: colours only on a real terminal, a wide fixed width otherwise so tables do not wrap.</summary>
    public IAnsiConsole CreateConsole()
    {
        bool terminal = OutIsTerminal;
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
