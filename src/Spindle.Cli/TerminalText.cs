using System.Text;

namespace Spindle.Cli;

/// <summary>
/// Makes text from a file, a model or a request safe to show on a terminal. A terminal acts on control characters: ESC
/// starts sequences that clear the screen, recolour it, set the window title (OSC) or, on some terminals, write to the
/// clipboard; C1 characters (U+0080–U+009F, e.g. U+009B, the one-character CSI) do the same on terminals that honour
/// them; BEL rings; CR and backspace overwrite what was printed. Bidirectional overrides reorder what the reader sees
/// ("Trojan source"), and a lone surrogate is not text at all. Each of these is shown as an escape instead:
/// <c>\n</c>, <c>\r</c>, <c>\t</c>, <c>\xNN</c> up to U+00FF and <c>\uXXXX</c> above. Everything else, backslashes
/// included, passes unchanged, so ordinary text (and a Windows path) reads as it is.
/// <para>
/// Used for every such string the CLI prints as text, and for every error line. JSON output does not come through here:
/// its writer escapes control characters itself, and the value must stay exact.
/// </para>
/// </summary>
internal static class TerminalText
{
    /// <summary>The text on one line: every control character escaped, line breaks and tabs included.</summary>
    public static string Escape(string text) => Escape(text, keepLineBreaks: false);

    /// <summary>
    /// Running text (generated output on a terminal): line feeds and tabs are kept, every other control character is
    /// escaped, so a model can lay its text out in lines but cannot move the cursor, clear the screen or retitle the window.
    /// </summary>
    public static string EscapeKeepingLines(string text) => Escape(text, keepLineBreaks: true);

    private static string Escape(string text, bool keepLineBreaks)
    {
        int first = FirstUnsafe(text, keepLineBreaks);
        if (first < 0) return text;
        var sb = new StringBuilder(text.Length + 16);
        sb.Append(text, 0, first);
        Append(sb, text.AsSpan(first), keepLineBreaks);
        return sb.ToString();
    }

    /// <summary>Appends <paramref name="text"/> to <paramref name="sb"/> with every unsafe character escaped.</summary>
    public static void Append(StringBuilder sb, ReadOnlySpan<char> text, bool keepLineBreaks = false)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                sb.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }
            if (!IsUnsafe(c, keepLineBreaks))
            {
                sb.Append(c);
                continue;
            }
            switch (c)
            {
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c <= 0xFF) sb.Append("\\x").Append(((int)c).ToString("x2"));
                    else sb.Append("\\u").Append(((int)c).ToString("x4"));
                    break;
            }
        }
    }

    private static int FirstUnsafe(string text, bool keepLineBreaks)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            if (IsUnsafe(c, keepLineBreaks)) return i;
        }
        return -1;
    }

    /// <summary>C0 controls, DEL, C1 controls, unpaired surrogates and the bidirectional formatting characters.</summary>
    private static bool IsUnsafe(char c, bool keepLineBreaks)
    {
        if (c < 0x20) return !(keepLineBreaks && (c == '\n' || c == '\t'));
        if (c < 0x7F) return false;
        if (c <= 0x9F) return true; // DEL and C1
        if (char.IsSurrogate(c)) return true; // paired ones were taken before this is asked
        return c is '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');
    }
}
