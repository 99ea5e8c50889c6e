using System.Text;
using System.Text.RegularExpressions;

namespace Spindle.Tokenization.Bpe;

/// <summary>
/// Any llama.cpp pre-tokenizer regex, run the way unicode_regex_split runs it when no hand-written splitter exists:
/// a regex with \p{..} classes sees the collapsed text (<see cref="CodepointTable.Collapse"/>) with each \p{..}
/// rewritten to its stand-in plus its ASCII members; a regex without sees the code points with non-ASCII whitespace
/// turned into \v. Both use ECMAScript semantics (ASCII \s, \d, \w), as std::regex does. Slow; used for rare
/// pre-tokenizers and as the reference the hand-written splitters are tested against.
/// </summary>
internal sealed class RegexSplitter : SplitStage
{
    // Code points above the BMP become one character so that match positions stay code point positions; no regex
    // that runs here names such code points (the constructor refuses those).
    private const char SupplementaryStandIn = '\uFFFF';

    private static readonly (string Name, char StandIn, string Ascii)[] Categories =
    [
        ("\\p{N}", CodepointTable.CollapsedNumber, "0-9"),
        ("\\p{L}", CodepointTable.CollapsedLetter, "A-Za-z"),
        ("\\p{P}", CodepointTable.CollapsedPunctuation, "!-#%-*,-/:-;?-@\\[-\\]_\\{\\}"),
        ("\\p{M}", CodepointTable.CollapsedMark, ""),
        // llama.cpp's ASCII list for \p{S} leaves out '~'; kept as is to split the same way.
        ("\\p{S}", CodepointTable.CollapsedSymbol, "\\$\\+<->^`\\|"),
        ("\\p{Lu}", CodepointTable.CollapsedLetter, "A-Za-z"),
        ("\\p{Ll}", CodepointTable.CollapsedLetter, "A-Za-z"),
        ("\\p{Lt}", CodepointTable.CollapsedLetter, "A-Za-z"),
        ("\\p{Lm}", CodepointTable.CollapsedLetter, "A-Za-z"),
        ("\\p{Lo}", CodepointTable.CollapsedLetter, "A-Za-z"),
    ];

    private readonly Regex _regex;
    private readonly bool _collapsed;

    public RegexSplitter(string llamaPattern)
    {
        Pattern = llamaPattern;
        _collapsed = Array.Exists(Categories, c => llamaPattern.Contains(c.Name, StringComparison.Ordinal));
        string translated;
        if (_collapsed)
        {
            foreach (char c in llamaPattern)
            {
                if (c >= 128) throw new NotSupportedException($"pre-tokenizer regex mixes \\p{{..}} with non-ASCII characters: {llamaPattern}");
            }
            translated = TranslateCategories(llamaPattern);
        }
        else
        {
            foreach (char c in llamaPattern)
            {
                if (char.IsSurrogate(c)) throw new NotSupportedException($"pre-tokenizer regex names code points above U+FFFF: {llamaPattern}");
            }
            translated = llamaPattern;
        }
        _regex = new Regex(TranslateEndAnchor(translated), RegexOptions.ECMAScript | RegexOptions.CultureInvariant);
    }

    public string Pattern { get; }

    public override void SplitChunk(CodepointText text, int start, int end, List<int> pieces)
    {
        var sb = new StringBuilder(end - start);
        for (int i = start; i < end; i++)
        {
            int cp = text.Codepoints[i];
            CodepointFlags f = text.Flags[i];
            if (_collapsed) sb.Append(CodepointTable.Collapse(cp, f));
            else if (cp >= 128 && (f & CodepointFlags.Whitespace) != 0) sb.Append('\v');
            else sb.Append(cp > 0xFFFF ? SupplementaryStandIn : (char)cp);
        }
        string chunk = sb.ToString();
        int emitted = 0;
        for (Match m = _regex.Match(chunk); m.Success; m = m.NextMatch())
        {
            if (m.Index > emitted) pieces.Add(m.Index - emitted);
            if (m.Length > 0) pieces.Add(m.Length);
            emitted = m.Index + m.Length;
        }
        if (chunk.Length > emitted) pieces.Add(chunk.Length - emitted);
    }

    // llama.cpp's rewrite (unicode_regex_split): \p{X} becomes [standIn ascii], or just "standIn ascii" inside a class.
    private static string TranslateCategories(string pattern)
    {
        var sb = new StringBuilder(pattern.Length * 2);
        bool inside = false;
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '[' && (i == 0 || pattern[i - 1] != '\\')) { sb.Append('['); inside = true; continue; }
            if (inside && c == ']' && pattern[i - 1] != '\\') { sb.Append(']'); inside = false; continue; }
            if (c == '\\' && i + 3 < pattern.Length && pattern[i + 1] == 'p' && pattern[i + 2] == '{')
            {
                int close = pattern.IndexOf('}', i + 3);
                if (close >= 0 && close <= i + 10)
                {
                    string name = pattern.Substring(i, close - i + 1);
                    int k = Array.FindIndex(Categories, x => x.Name == name);
                    if (k >= 0)
                    {
                        if (!inside) sb.Append('[');
                        sb.Append(Categories[k].StandIn).Append(Categories[k].Ascii);
                        if (!inside) sb.Append(']');
                        i = close;
                        continue;
                    }
                }
            }
            sb.Append(c);
        }
        return sb.ToString();
    }

    // ECMAScript $ (no multiline) matches only at the very end; .NET's also matches before a final \n.
    private static string TranslateEndAnchor(string pattern)
    {
        var sb = new StringBuilder(pattern.Length + 8);
        bool inside = false;
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length) { sb.Append(c).Append(pattern[++i]); continue; }
            if (c == '[') inside = true;
            else if (c == ']') inside = false;
            if (c == '$' && !inside) { sb.Append("(?![\\s\\S])"); continue; }
            sb.Append(c);
        }
        return sb.ToString();
    }
}
