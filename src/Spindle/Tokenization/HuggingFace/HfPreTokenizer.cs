using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Spindle.Tokenization.HuggingFace;

/// <summary>
/// A tokenizer.json "pre_tokenizer": splits normalized text into the words the model encodes one by one.
/// <see cref="PreTokenize"/> rewrites <c>pieces</c> in place; <c>atTextStart</c> says the first piece begins the
/// input (HF's "offset 0", which Metaspace's prepend_scheme "first" needs).
/// </summary>
internal abstract class HfPreTokenizer
{
    public abstract void PreTokenize(List<string> pieces, bool atTextStart);

    /// <summary>
    /// What this step does at a cut between the normalized characters <paramref name="before"/> and
    /// <paramref name="at"/> (<paramref name="after"/> follows <paramref name="at"/>), whatever lies further on either
    /// side: see <see cref="HfCut"/>. Unknown or context-dependent steps say <see cref="HfCut.Unsafe"/>.
    /// </summary>
    public virtual HfCut CutAt(char before, char at, char after) => HfCut.Unsafe;

    public static HfPreTokenizer? FromJson(JsonElement? element)
    {
        if (element is not { } e) return null;
        string type = e.TypeName("pre_tokenizer");
        return type switch
        {
            "Sequence" => new SequencePreTokenizer(ReadList(e)),
            "ByteLevel" => new ByteLevelPreTokenizer(e.Bool("add_prefix_space", true), e.Bool("use_regex", true)),
            "Split" => new SplitPreTokenizer(e.Pattern("Split pre_tokenizer"),
                HfSplitter.ParseBehavior(e.StringOrNull("behavior"), HfSplitBehavior.Isolated), e.Bool("invert", false)),
            "Metaspace" => MetaspacePreTokenizer.FromJson(e),
            "Digits" => new CharClassPreTokenizer(CharClassPreTokenizer.IsNumeric,
                e.Bool("individual_digits", false) ? HfSplitBehavior.Isolated : HfSplitBehavior.Contiguous),
            "Punctuation" => new CharClassPreTokenizer(CharClassPreTokenizer.IsPunctuation,
                HfSplitter.ParseBehavior(e.StringOrNull("behavior"), HfSplitBehavior.Isolated)),
            "Whitespace" => new SplitPreTokenizer(HfPattern.Regex(@"\w+|[^\w\s]+"), HfSplitBehavior.Removed, invert: true),
            "WhitespaceSplit" => new CharClassPreTokenizer(static c => char.IsWhiteSpace(c), HfSplitBehavior.Removed),
            _ => throw new NotSupportedException($"tokenizer.json: pre_tokenizer type '{type}' is not supported"),
        };
    }

    private static HfPreTokenizer[] ReadList(JsonElement e)
    {
        var list = new List<HfPreTokenizer>();
        if (e.Property("pretokenizers") is { } items)
        {
            foreach (var item in items.EnumerateArray()) list.Add(FromJson(item)!);
        }
        return list.ToArray();
    }
}

internal sealed class SequencePreTokenizer(HfPreTokenizer[] steps) : HfPreTokenizer
{
    public override void PreTokenize(List<string> pieces, bool atTextStart)
    {
        foreach (var step in steps) step.PreTokenize(pieces, atTextStart);
    }

    // Once a step splits at the cut, later steps see separate pieces there, whatever they are.
    public override HfCut CutAt(char before, char at, char after)
    {
        foreach (var step in steps)
        {
            var cut = step.CutAt(before, at, after);
            if (cut != HfCut.Neutral) return cut;
        }
        return HfCut.Neutral;
    }
}

/// <summary>Splits each piece around the matches of a pattern.</summary>
internal sealed class SplitPreTokenizer(HfPattern pattern, HfSplitBehavior behavior, bool invert) : HfPreTokenizer
{
    public override void PreTokenize(List<string> pieces, bool atTextStart)
    {
        var matches = new List<(int, int)>();
        var output = new List<string>(pieces.Count * 4);
        foreach (string piece in pieces)
        {
            pattern.FindMatches(piece, matches);
            HfSplitter.Split(piece, matches, behavior, invert, output);
        }
        pieces.Clear();
        pieces.AddRange(output);
    }
}

/// <summary>Splits around single characters of a class (digits, punctuation, whitespace).</summary>
internal sealed class CharClassPreTokenizer(Func<char, bool> isDelimiter, HfSplitBehavior behavior) : HfPreTokenizer
{
    // Rust's char::is_numeric: Nd, Nl and No.
    public static bool IsNumeric(char c) => CharUnicodeInfo.GetUnicodeCategory(c)
        is UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    // HF's is_punc: ASCII punctuation (which includes symbols such as '$' and '+') or Unicode category P*.
    public static bool IsPunctuation(char c) => (c < 0x80 && char.IsAsciiLetterOrDigit(c) == false && c > ' ' && c < 0x7F)
        || char.IsPunctuation(c);

    public override void PreTokenize(List<string> pieces, bool atTextStart)
    {
        var matches = new List<(int, int)>();
        var output = new List<string>(pieces.Count * 4);
        foreach (string piece in pieces)
        {
            matches.Clear();
            for (int i = 0; i < piece.Length; i++)
            {
                if (isDelimiter(piece[i])) matches.Add((i, 1));
            }
            HfSplitter.Split(piece, matches, behavior, invert: false, output);
        }
        pieces.Clear();
        pieces.AddRange(output);
    }

    // Whether a split falls between two characters depends on those two alone (and the behaviour).
    public override HfCut CutAt(char before, char at, char after)
    {
        bool left = isDelimiter(before), right = isDelimiter(at);
        bool splits = behavior switch
        {
            HfSplitBehavior.Removed or HfSplitBehavior.Isolated => left || right,
            HfSplitBehavior.Contiguous => left != right,
            HfSplitBehavior.MergedWithPrevious => left,
            HfSplitBehavior.MergedWithNext => right,
            _ => false,
        };
        return splits ? HfCut.Splits : HfCut.Neutral;
    }
}

/// <summary>GPT-2's byte-level step: optional prefix space, the GPT-2 split regex, then bytes → printable characters.</summary>
internal sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : HfPreTokenizer
{
    internal const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";
    private static readonly HfPattern Gpt2 = HfPattern.Regex(Gpt2Pattern);

    public override void PreTokenize(List<string> pieces, bool atTextStart)
    {
        var matches = new List<(int, int)>();
        var output = new List<string>(pieces.Count * 4);
        foreach (string original in pieces)
        {
            string piece = addPrefixSpace && !original.StartsWith(' ') ? " " + original : original;
            int first = output.Count;
            if (useRegex)
            {
                Gpt2.FindMatches(piece, matches);
                HfSplitter.Split(piece, matches, HfSplitBehavior.Isolated, invert: false, output);
            }
            else if (piece.Length > 0)
            {
                output.Add(piece);
            }
            for (int i = first; i < output.Count; i++) output[i] = ToByteLevel(output[i]);
        }
        pieces.Clear();
        pieces.AddRange(output);
    }

    // With the regex: "x␣w" (x an ASCII letter, digit or punctuation, w an ASCII letter) splits before the space, for
    // the reasons PreTokenizer.SplitsAt gives for GPT-2's regex; a continuation piece then starts with the space, so the
    // prefix space is not added to it. Anything else may or may not split: not trusted.
    public override HfCut CutAt(char before, char at, char after) =>
        useRegex && at == ' ' && char.IsAsciiLetter(after) && (char.IsAsciiLetterOrDigit(before) || (before > ' ' && before < '\x7F'))
            ? HfCut.Splits : HfCut.Unsafe;

    internal static string ToByteLevel(string text)
    {
        int byteCount = Encoding.UTF8.GetByteCount(text);
        Span<byte> bytes = byteCount <= 256 ? stackalloc byte[byteCount] : new byte[byteCount];
        Encoding.UTF8.GetBytes(text, bytes);
        return ByteLevelAlphabet.Encode(bytes);
    }
}

/// <summary>SentencePiece-style: spaces become the replacement character (▁), optionally prepended, split before each.</summary>
internal sealed class MetaspacePreTokenizer(char replacement, HfPrependScheme scheme, bool split) : HfPreTokenizer
{
    public char Replacement => replacement;
    public HfPrependScheme Scheme => scheme;

    public static MetaspacePreTokenizer FromJson(JsonElement e)
    {
        string rep = e.StringOrNull("replacement") ?? "\u2581";
        if (rep.Length != 1) throw new NotSupportedException($"tokenizer.json: Metaspace replacement '{rep}' must be one UTF-16 character");
        return new MetaspacePreTokenizer(rep[0], HfPrependSchemes.FromJson(e), e.Bool("split", true));
    }

    // Pieces split before every space (as the replacement); a continuation piece then starts with it, so nothing is
    // prepended. Elsewhere the word would go on across the cut and "always" would prepend to the continuation.
    public override HfCut CutAt(char before, char at, char after) =>
        split && (at == ' ' || at == replacement) ? HfCut.Splits : HfCut.Unsafe;

    public override void PreTokenize(List<string> pieces, bool atTextStart)
    {
        var matches = new List<(int, int)>();
        var output = new List<string>(pieces.Count * 4);
        for (int p = 0; p < pieces.Count; p++)
        {
            string piece = pieces[p].Replace(' ', replacement);
            bool prepend = scheme == HfPrependScheme.Always || (scheme == HfPrependScheme.First && atTextStart && p == 0);
            if (prepend && !piece.StartsWith(replacement)) piece = replacement + piece;
            if (!split)
            {
                if (piece.Length > 0) output.Add(piece);
                continue;
            }
            matches.Clear();
            for (int i = 0; i < piece.Length; i++)
            {
                if (piece[i] == replacement) matches.Add((i, 1));
            }
            HfSplitter.Split(piece, matches, HfSplitBehavior.MergedWithNext, invert: false, output);
        }
        pieces.Clear();
        pieces.AddRange(output);
    }
}

/// <summary>A pre-tokenizer step at a cut in the text.</summary>
internal enum HfCut
{
    /// <summary>The step might treat the text differently if cut there.</summary>
    Unsafe,

    /// <summary>The step does not split there, and treats the two halves as it treats the whole (pieces go on across).</summary>
    Neutral,

    /// <summary>The step splits there, and treats the two halves as it treats the whole.</summary>
    Splits,
}

internal enum HfPrependScheme { Always, First, Never }

internal static class HfPrependSchemes
{
    // Older files carry add_prefix_space instead of prepend_scheme.
    public static HfPrependScheme FromJson(JsonElement e) => e.StringOrNull("prepend_scheme") switch
    {
        "always" => HfPrependScheme.Always,
        "first" => HfPrependScheme.First,
        "never" => HfPrependScheme.Never,
        null => e.Bool("add_prefix_space", true) ? HfPrependScheme.Always : HfPrependScheme.Never,
        var other => throw new NotSupportedException($"tokenizer.json: Metaspace prepend_scheme '{other}' is not supported"),
    };
}
