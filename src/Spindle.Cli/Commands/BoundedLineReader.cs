using System.Text;

namespace Spindle.Cli.Commands;

/// <summary>
/// Reads lines from a pipe or file with a bound on their length, so a chat fed from a stream without line breaks
/// (<c>&lt; /dev/zero</c>) stops with an error instead of growing without limit. An interactive terminal is read with
/// <see cref="TextReader.ReadLine"/>: a person typing is not that stream, and the terminal's line editing stays intact.
/// </summary>
internal static class BoundedLineReader
{
    /// <summary>The next line without its terminator, or null at the end of input.</summary>
    /// <exception cref="CliException">the line is longer than <paramref name="maxChars"/>.</exception>
    public static string? ReadLine(TextReader reader, int maxChars)
    {
        var sb = new StringBuilder();
        while (true)
        {
            int c = reader.Read();
            if (c < 0) return sb.Length == 0 ? null : sb.ToString();
            if (c == '\n') return sb.ToString();
            if (c == '\r')
            {
                if (reader.Peek() == '\n') reader.Read();
                return sb.ToString();
            }
            if (sb.Length == maxChars) throw new CliException($"an input line is longer than {maxChars} characters");
            sb.Append((char)c);
        }
    }
}
