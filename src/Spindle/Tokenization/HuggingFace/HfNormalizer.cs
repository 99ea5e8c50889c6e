using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Spindle.Tokenization.HuggingFace;

/// <summary>A tokenizer.json "normalizer": rewrites one text fragment before pre-tokenization.</summary>
internal abstract class HfNormalizer
{
    public abstract string Normalize(string text);

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
}

/// <summary>Prepends to non-empty text only, as HF does.</summary>
internal sealed class PrependNormalizer(string prefix) : HfNormalizer
{
    public override string Normalize(string text) => text.Length == 0 ? text : prefix + text;
}

internal sealed class ReplaceNormalizer(HfPattern pattern, string content) : HfNormalizer
{
    public override string Normalize(string text) => pattern.Replace(text, content);
}

internal sealed class UnicodeFormNormalizer(NormalizationForm form) : HfNormalizer
{
    public override string Normalize(string text) => UnicodeNormalizer.Normalize(text, form);
}

internal sealed class LowercaseNormalizer : HfNormalizer
{
    public override string Normalize(string text) => text.ToLowerInvariant();
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
}
