using System.Text;

namespace Spindle.Cli.Commands;

/// <summary>
/// Where `generate` takes its prompt, as llama.cpp's tools do: <c>-p TEXT</c>, <c>-f FILE</c>, <c>-p -</c> for stdin,
/// or stdin when neither is given and it is a pipe or a file (a terminal gets an error instead of a silent wait).
/// Reading is bounded: a prompt longer than <see cref="MaxChars"/> is refused before more is read.
/// </summary>
internal static class PromptSource
{
    /// <summary>16 M characters: about 4 M tokens, far past any context, small enough to hold.</summary>
    public const int MaxChars = 1 << 24;

    public static string Read(CliContext context, string? prompt, string? file)
    {
        if (prompt is not null && file is not null) throw new CliException("give either --prompt or --file, not both");
        string text;
        if (file is not null) text = ReadFile(file);
        else if (prompt is not null && prompt != "-") text = prompt;
        else if (prompt is null && context.InIsTerminal)
            throw new CliException("no prompt: give --prompt TEXT, --file FILE, or pipe the prompt on stdin (-p - reads it from a terminal)");
        else text = BoundedText.Read(context.In, "the prompt from stdin", MaxChars);
        if (text.Length == 0) throw new CliException(file is not null ? $"--file: {file} is empty" : "the prompt is empty");
        return text;
    }

    private static string ReadFile(string path)
    {
        if (!Directory.Exists(path) && !File.Exists(path)) throw new CliException($"--file: file not found: {path}");
        return BoundedText.ReadFile(path, "--file", MaxChars);
    }
}
