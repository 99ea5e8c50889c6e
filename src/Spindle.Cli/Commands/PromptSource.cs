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
        else text = ReadBounded(context.In, "stdin");
        if (text.Length == 0) throw new CliException(file is not null ? $"--file: {file} is empty" : "the prompt is empty");
        return text;
    }

    private static string ReadFile(string path)
    {
        if (Directory.Exists(path)) throw new CliException($"--file: {path} is a directory");
        if (!File.Exists(path)) throw new CliException($"--file: file not found: {path}");
        var info = new FileInfo(path);
        // A regular file's length is known; a device or pipe (/dev/zero, <(cmd)) reports 0 and is read with the bound.
        if (info.Length > 4L * MaxChars) throw new CliException($"--file: {path} has {info.Length} bytes; a prompt may have at most {MaxChars} characters");
        using var reader = new StreamReader(path, Encoding.UTF8);
        return ReadBounded(reader, path);
    }

    private static string ReadBounded(TextReader reader, string what)
    {
        var sb = new StringBuilder();
        var buffer = new char[1 << 16];
        int n;
        while ((n = reader.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (sb.Length + n > MaxChars) throw new CliException($"the prompt from {what} is longer than {MaxChars} characters");
            sb.Append(buffer, 0, n);
        }
        return sb.ToString();
    }
}
