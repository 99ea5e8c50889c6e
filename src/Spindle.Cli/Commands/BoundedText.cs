using System.Text;

namespace Spindle.Cli.Commands;

/// <summary>
/// Reads text a user points an option at (a prompt, template, grammar, schema, transcript) with a character bound: a
/// regular file over the bound is refused before reading, and a device or pipe (/dev/zero, <c>&lt;(cmd)</c>), whose
/// length reads as 0, is refused as soon as it passes the bound.
/// </summary>
internal static class BoundedText
{
    /// <summary>The text of <paramref name="path"/>; <paramref name="option"/> names the source in errors.</summary>
    public static string ReadFile(string path, string option, int maxChars)
    {
        if (Directory.Exists(path)) throw new CliException($"{option}: {path} is a directory");
        var info = new FileInfo(path);
        // UTF-8 spends at most 4 bytes on a character.
        if (info.Length > 4L * maxChars)
            throw new CliException($"{option}: {path} has {info.Length} bytes; at most {maxChars} characters are read");
        try
        {
            using var reader = new StreamReader(path, Encoding.UTF8);
            return Read(reader, $"{option}: {path}", maxChars);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"{option}: cannot read {path}: {e.Message}");
        }
    }

    /// <summary>All of <paramref name="reader"/>, refused once it passes <paramref name="maxChars"/>.</summary>
    public static string Read(TextReader reader, string what, int maxChars)
    {
        var sb = new StringBuilder();
        var buffer = new char[1 << 16];
        int n;
        while ((n = reader.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (sb.Length + n > maxChars) throw new CliException($"{what} is longer than {maxChars} characters");
            sb.Append(buffer, 0, n);
        }
        return sb.ToString();
    }
}
