using System.Text;

namespace Spindle.Tokenization;

/// <summary>
/// Decodes generated tokens one at a time into text that never ends inside a UTF-8 character: bytes of an incomplete
/// character (e.g. the first of three &lt;0xNN&gt; byte tokens) are held back until the character completes. A byte
/// sequence that can no longer complete becomes U+FFFD as soon as that is known; <see cref="Flush()"/> ends the stream.
/// Not thread-safe: one instance per stream. Per token it allocates only the returned string (nothing with the span API).
/// </summary>
public sealed class TokenStreamDecoder
{
    private readonly Tokenizer _tokenizer;
    private readonly bool _renderSpecial;
    private readonly Decoder _utf8;
    private char[] _chars;

    /// <param name="renderSpecial">Render control tokens as their text (e.g. "&lt;/s&gt;") instead of nothing.</param>
    public TokenStreamDecoder(Tokenizer tokenizer, bool renderSpecial = false)
    {
        _tokenizer = tokenizer;
        _renderSpecial = renderSpecial;
        // Replacement (not exception) fallback: invalid bytes become U+FFFD, like llama.cpp's output shown as UTF-8.
        _utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
        _chars = new char[MaxCharsPerToken];
    }

    /// <summary>The most chars one <see cref="Append(int, Span{char})"/> call can write.</summary>
    public int MaxCharsPerToken => _tokenizer.MaxPieceByteLength + 4; // each byte at most one char, plus held-back bytes

    /// <summary>Feeds one token; returns the text it completes ("" while a character is still incomplete).</summary>
    public string Append(int tokenId)
    {
        int written = Append(tokenId, _chars);
        return written == 0 ? string.Empty : new string(_chars, 0, written);
    }

    /// <summary>Feeds one token and writes the text it completes to <paramref name="destination"/>; returns the char count.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="MaxCharsPerToken"/> and the text does not fit.</exception>
    public int Append(int tokenId, Span<char> destination)
    {
        ReadOnlySpan<byte> piece = _tokenizer.TokenToPiece(tokenId, _renderSpecial);
        if (piece.IsEmpty) return 0;
        return _utf8.GetChars(piece, destination, flush: false);
    }

    /// <summary>Ends the stream: bytes still held back (an unfinished character) come out as U+FFFD.</summary>
    public string Flush()
    {
        int written = Flush(_chars);
        return written == 0 ? string.Empty : new string(_chars, 0, written);
    }

    public int Flush(Span<char> destination) => _utf8.GetChars(ReadOnlySpan<byte>.Empty, destination, flush: true);

    /// <summary>Forgets held-back bytes, to start a new stream.</summary>
    public void Reset() => _utf8.Reset();
}
