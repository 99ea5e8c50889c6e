using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Spindle.Tokenization.HuggingFace;

/// <summary>A tokenizer.json "normalizer": rewrites one text fragment before pre-tokenization.</summary>
internal abstract class HfNormalizer
{
    public abstract string Normalize(string text);

    /// <summary>
    /// As <see cref="Normalize(string)"/>; without <paramref name="fragmentStart"/> the text continues a fragment an
    /// earlier chunk began, so what HF does at a fragment's start (Prepend) is not done again.
    /// </summary>
    public virtual string Normalize(string text, bool fragmentStart) => Normalize(text);

    /// <summary>
    /// Whether normalizing <c>text[..index]</c> and <c>text[index..]</c> (the second as a continuation) and joining
    /// the results gives the normalized whole: true where this step maps each character on its own (or does nothing
    /// near the cut). Unknown or context-dependent steps say false.
    /// </summary>
    public virtual bool AllowsCut(ReadOnlySpan<char> text, int index) => false;

    public static HfNormalizer? FromJson(JsonElement? element)
    {
        if (element is not { } e) return null;
        string type = e.TypeName("normalizer");
        return type switch
        {
            "Sequence" => new SequenceNormalizer(ReadList(e)),
            "Prepend" => new PrependNormalizer(e.RequiredString("prepend", "Prepend normalizer")),
            "Replace" => new ReplaceNormalizer(e.Pattern("Replace normalizer"), e.RequiredString("content", "Replace normalizer")),
            "NFC" => new UnicodeFormNormalizer(NormalizationForm.FormC),
            "NFD" => new UnicodeFormNormalizer(NormalizationForm.FormD),
            "NFKC" => new UnicodeFormNormalizer(NormalizationForm.FormKC),
            "NFKD" => new UnicodeFormNormalizer(NormalizationForm.FormKD),
            "Lowercase" => new LowercaseNormalizer(),
            "Strip" => new StripNormalizer(e.Bool("strip_left", true), e.Bool("strip_right", true)),
            "StripAccents" => new StripAccentsNormalizer(),
            _ => throw new NotSupportedException($"tokenizer.json: normalizer type '{type}' is not supported"),
        };
    }

    private static HfNormalizer[] ReadList(JsonElement e)
    {
        var list = new List<HfNormalizer>();
        if (e.Property("normalizers") is { } items)
        {
            foreach (var item in items.EnumerateArray()) list.Add(FromJson(item)!);
        }
        return list.ToArray();
    }
}

internal sealed class SequenceNormalizer(HfNormalizer[] normalizers) : HfNormalizer
{
    public override string Normalize(string text)
    {
        foreach (var n in normalizers) text = n.Normalize(text);
        return text;
    }

    public override string Normalize(string text, bool fragmentStart)
    {
        foreach (var n in normalizers) text = n.Normalize(text, fragmentStart);
        return text;
    }

    // Each step judges the raw text, which is what it sees while the steps before it map characters one by one and
    // never to whitespace; a Replace may write whitespace, so a Strip after one is not trusted.
    public override bool AllowsCut(ReadOnlySpan<char> text, int index)
    {
        bool replaced = false;
        foreach (var n in normalizers)
        {
            if (!n.AllowsCut(text, index) || (replaced && n is StripNormalizer)) return false;
            replaced |= n is ReplaceNormalizer;
        }
        return true;
    }
}

/// <summary>Prepends to non-empty text only, as HF does.</summary>
internal sealed class PrependNormalizer(string prefix) : HfNormalizer
{
    public override string Normalize(string text) => text.Length == 0 ? text : prefix + text;

    public override string Normalize(string text, bool fragmentStart) => fragmentStart ? Normalize(text) : text;

    public override bool AllowsCut(ReadOnlySpan<char> text, int index) => true;
}

internal sealed class ReplaceNormalizer(HfPattern pattern, string content) : HfNormalizer
{
    public override string Normalize(string text) => pattern.Replace(text, content);

    // A one-character literal maps characters one by one; a longer literal or a regex could match across the cut.
    public override bool AllowsCut(ReadOnlySpan<char> text, int index) => pattern.IsSingleCharacter;
}

internal sealed class UnicodeFormNormalizer(NormalizationForm form) : HfNormalizer
{
    public override string Normalize(string text) => UnicodeNormalizer.Normalize(text, form);

    // An ASCII character is a starter that composes with nothing before it and decomposes to itself, so neither
    // composition nor the reordering of combining marks reaches across it.
    public override bool AllowsCut(ReadOnlySpan<char> text, int index) => text[index] < 0x80;
}

internal sealed class LowercaseNormalizer : HfNormalizer
{
    public override string Normalize(string text) => text.ToLowerInvariant();

    // The invariant mapping is per character (no context rules such as Greek final sigma).
    public override bool AllowsCut(ReadOnlySpan<char> text, int index) => true;
}

/// <summary>Trims Unicode White_Space, as Rust's str::trim_start/trim_end do.</summary>
internal sealed class StripNormalizer(bool left, bool right) : HfNormalizer
{
    public override string Normalize(string text)
    {
        int start = 0, end = text.Length;
        if (left) while (start < end && char.IsWhiteSpace(text[start])) start++;
        if (right) while (end > start && char.IsWhiteSpace(text[end - 1])) end--;
        return start == 0 && end == text.Length ? text : text[start..end];
    }

    // Trimming only touches a chunk's edges, and finds nothing to trim there when neither side of the cut is whitespace.
    public override bool AllowsCut(ReadOnlySpan<char> text, int index) => !char.IsWhiteSpace(text[index - 1]) && !char.IsWhiteSpace(text[index]);
}

/// <summary>Drops combining marks (category Mn); meant to follow NFD, as in HF.</summary>
internal sealed class StripAccentsNormalizer : HfNormalizer
{
    public override string Normalize(string text)
    {
        var sb = new StringBuilder(text.Length);
        Span<char> utf16 = stackalloc char[2];
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.NonSpacingMark) sb.Append(utf16[..rune.EncodeToUtf16(utf16)]);
        }
        return sb.ToString();
    }

    public override bool AllowsCut(ReadOnlySpan<char> text, int index) => true;
}
