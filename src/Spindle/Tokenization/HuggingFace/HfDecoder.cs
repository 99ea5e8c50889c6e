using System.Text;
using System.Text.Json;

namespace Spindle.Tokenization.HuggingFace;

/// <summary>
/// A tokenizer.json "decoder". <see cref="DecodeChain"/> is HF's decode_chain over a whole sequence of token strings;
/// <see cref="DecodePiece"/> is the same step for one token in the middle of a text (no sequence-edge effects such
/// as Strip or Metaspace's removal of the leading space), in bytes, for token_to_piece.
/// </summary>
internal abstract class HfDecoder
{
    public abstract void DecodeChain(List<string> tokens);

    /// <summary>Transforms one token's piece: <paramref name="text"/> while it is text, <paramref name="bytes"/> once it is bytes.</summary>
    public abstract void DecodePiece(ref string? text, ref byte[]? bytes);

    public static HfDecoder? FromJson(JsonElement? element)
    {
        if (element is not { } e) return null;
        string type = e.TypeName("decoder");
        return type switch
        {
            "Sequence" => new SequenceDecoder(ReadList(e)),
            "Replace" => new ReplaceDecoder(e.Pattern("Replace decoder"), e.RequiredString("content", "Replace decoder")),
            "ByteFallback" => new ByteFallbackDecoder(),
            "Fuse" => new FuseDecoder(),
            "Strip" => new StripDecoder(e.RequiredString("content", "Strip decoder"), e.Int("start", 0), e.Int("stop", 0)),
            "ByteLevel" => new ByteLevelDecoder(),
            "Metaspace" => MetaspaceDecoder.FromJson(e),
            _ => throw new NotSupportedException($"tokenizer.json: decoder type '{type}' is not supported"),
        };
    }

    private static HfDecoder[] ReadList(JsonElement e)
    {
        var list = new List<HfDecoder>();
        if (e.Property("decoders") is { } items)
        {
            foreach (var item in items.EnumerateArray()) list.Add(FromJson(item)!);
        }
        return list.ToArray();
    }
}

internal sealed class SequenceDecoder(HfDecoder[] steps) : HfDecoder
{
    public override void DecodeChain(List<string> tokens)
    {
        foreach (var step in steps) step.DecodeChain(tokens);
    }

    public override void DecodePiece(ref string? text, ref byte[]? bytes)
    {
        foreach (var step in steps) step.DecodePiece(ref text, ref bytes);
    }
}

internal sealed class ReplaceDecoder(HfPattern pattern, string content) : HfDecoder
{
    public override void DecodeChain(List<string> tokens)
    {
        for (int i = 0; i < tokens.Count; i++) tokens[i] = pattern.Replace(tokens[i], content);
    }

    public override void DecodePiece(ref string? text, ref byte[]? bytes)
    {
        if (text != null) text = pattern.Replace(text, content);
    }
}

/// <summary>Turns runs of &lt;0xNN&gt; tokens back into text; a run that is not valid UTF-8 gives one U+FFFD per byte.</summary>
internal sealed class ByteFallbackDecoder : HfDecoder
{
    public static bool TryParseByteToken(string token, out byte value)
    {
        value = 0;
        return token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
            && byte.TryParse(token.AsSpan(3, 2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out value);
    }

    public override void DecodeChain(List<string> tokens)
    {
        var output = new List<string>(tokens.Count);
        var run = new List<byte>();
        foreach (string token in tokens)
        {
            if (TryParseByteToken(token, out byte b))
            {
                run.Add(b);
                continue;
            }
            Flush(run, output);
            output.Add(token);
        }
        Flush(run, output);
        tokens.Clear();
        tokens.AddRange(output);
    }

    private static void Flush(List<byte> run, List<string> output)
    {
        if (run.Count == 0) return;
        var bytes = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(run);
        if (System.Text.Unicode.Utf8.IsValid(bytes)) output.Add(Encoding.UTF8.GetString(bytes));
        else for (int i = 0; i < run.Count; i++) output.Add("\uFFFD");
        run.Clear();
    }

    public override void DecodePiece(ref string? text, ref byte[]? bytes)
    {
        if (text != null && TryParseByteToken(text, out byte b))
        {
            bytes = [b];
            text = null;
        }
    }
}

internal sealed class FuseDecoder : HfDecoder
{
    public override void DecodeChain(List<string> tokens)
    {
        if (tokens.Count <= 1) return;
        string joined = string.Concat(tokens);
        tokens.Clear();
        tokens.Add(joined);
    }

    public override void DecodePiece(ref string? text, ref byte[]? bytes) { }
}

/// <summary>Removes up to <c>start</c> leading and <c>stop</c> trailing copies of <c>content</c> from each token.</summary>
internal sealed class StripDecoder(string content, int start, int stop) : HfDecoder
{
    public override void DecodeChain(List<string> tokens)
    {
        if (content.Length != 1) throw new NotSupportedException("tokenizer.json: Strip decoder content must be one character");
        char c = content[0];
        for (int t = 0; t < tokens.Count; t++)
        {
            string token = tokens[t];
            int begin = 0, end = token.Length;
            for (int i = 0; i < start && begin < end && token[begin] == c; i++) begin++;
            for (int i = 0; i < stop && end > begin && token[end - 1] == c; i++) end--;
            tokens[t] = token[begin..end];
        }
    }

    // Strip trims the decoded sequence's edges (the prepended space); a token inside the text keeps its characters.
    public override void DecodePiece(ref string? text, ref byte[]? bytes) { }
}

/// <summary>Maps byte-level characters back to bytes, joining all tokens (invalid UTF-8 becomes U+FFFD).</summary>
internal sealed class ByteLevelDecoder : HfDecoder
{
    public override void DecodeChain(List<string> tokens)
    {
        var bytes = new List<byte>();
        foreach (string token in tokens) AppendBytes(token, bytes);
        tokens.Clear();
        tokens.Add(Encoding.UTF8.GetString(bytes.ToArray()));
    }

    public override void DecodePiece(ref string? text, ref byte[]? bytes)
    {
        if (text == null) return;
        var list = new List<byte>(text.Length);
        AppendBytes(text, list);
        bytes = list.ToArray();
        text = null;
    }

    // A token with any character outside the byte-level alphabet (e.g. an added token) passes through as its UTF-8, as in HF.
    private static void AppendBytes(string token, List<byte> bytes)
    {
        foreach (char c in token)
        {
            if (ByteLevelAlphabet.ToByte(c) < 0)
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(token));
                return;
            }
        }
        foreach (char c in token) bytes.Add((byte)ByteLevelAlphabet.ToByte(c));
    }
}

/// <summary>▁ back to spaces; the first token loses its ▁ when the pre-tokenizer prepended one.</summary>
internal sealed class MetaspaceDecoder(char replacement, HfPrependScheme scheme) : HfDecoder
{
    public static MetaspaceDecoder FromJson(JsonElement e)
    {
        string rep = e.StringOrNull("replacement") ?? "\u2581";
        if (rep.Length != 1) throw new NotSupportedException($"tokenizer.json: Metaspace replacement '{rep}' must be one UTF-16 character");
        return new MetaspaceDecoder(rep[0], HfPrependSchemes.FromJson(e));
    }

    // As in HF, the first token loses every replacement character (not only a leading one) unless the scheme is "never".
    public override void DecodeChain(List<string> tokens)
    {
        for (int i = 0; i < tokens.Count; i++)
        {
            tokens[i] = i == 0 && scheme != HfPrependScheme.Never
                ? tokens[i].Replace(replacement.ToString(), "", StringComparison.Ordinal)
                : tokens[i].Replace(replacement, ' ');
        }
    }

    public override void DecodePiece(ref string? text, ref byte[]? bytes)
    {
        if (text != null) text = text.Replace(replacement, ' ');
    }
}
