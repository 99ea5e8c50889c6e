using System.Runtime.CompilerServices;

namespace Spindle.Tokenization;

/// <summary>
/// Encodes a text read from a <see cref="TextReader"/> chunk by chunk, yielding ids as they come, with memory bounded by
/// <see cref="StreamingEncodeOptions.MaxPendingChars"/> whatever the text's length. Chunks are cut only where encoding
/// the two sides gives the ids of the whole text: the special-token split has a boundary there
/// (<see cref="SpecialTokenCutGuard"/>) and the tokenizer model proves it (<see cref="Tokenizer.IsModelCut"/>: where
/// SentencePiece segments are independent, where a BPE pre-tokenizer or WordPiece splits anyway, where a tokenizer.json
/// pipeline splits or its BPE model cannot merge across). The next chunk is then encoded as a continuation (no
/// SentencePiece space prefix, no Prepend), and BOS/EOS go around the whole text only. When no such place occurs within
/// MaxPendingChars, <see cref="StreamingEncodeOptions.WhenNoSafeCut"/> decides. One instance encodes one text at a time.
/// </summary>
public sealed class StreamingEncoder
{
    private readonly Tokenizer _tokenizer;
    private readonly StreamingEncodeOptions _options;
    private readonly SpecialTokenCutGuard _guard;
    private readonly int _lookahead;

    private char[] _buffer = [];
    private int _length;
    private int _scanFrom; // positions below it have been tested and hold no safe cut
    private long _consumed; // chars of the text already encoded
    private ChunkStart _start;

    public StreamingEncoder(Tokenizer tokenizer, StreamingEncodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        _tokenizer = tokenizer;
        _options = options ?? StreamingEncodeOptions.Default;
        _lookahead = Math.Max(1, tokenizer.ModelCutLookahead);
        if (_options.ChunkChars < 1) throw new ArgumentOutOfRangeException(nameof(options), _options.ChunkChars, "ChunkChars must be at least 1");
        if (_options.MaxPendingChars < _options.ChunkChars + _lookahead + 1)
            throw new ArgumentOutOfRangeException(nameof(options), _options.MaxPendingChars, $"MaxPendingChars must exceed ChunkChars by at least {_lookahead + 1}");
        _guard = tokenizer.CutGuard(_options.ParseSpecial);
    }

    /// <summary>Cuts made by <see cref="ForcedCutPolicy.CutAtCharacter"/> in the current or last text (0: the ids are the whole text's).</summary>
    public int ForcedCuts { get; private set; }

    /// <summary>Chunks the current or last text was encoded in so far.</summary>
    public int Chunks { get; private set; }

    /// <summary>Chars of the current or last text encoded so far.</summary>
    public long CharsEncoded => _consumed;

    /// <summary>The ids of the text <paramref name="reader"/> holds, read to its end as they are enumerated.</summary>
    public IEnumerable<int> Encode(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return EncodeIterator(reader);
    }

    private IEnumerable<int> EncodeIterator(TextReader reader)
    {
        var ids = new List<int>();
        Begin(ids);
        foreach (int id in ids) yield return id;
        while (true)
        {
            EnsureRoom();
            int read = reader.Read(_buffer, _length, _options.ChunkChars);
            ids.Clear();
            bool done = Advance(read, ids);
            foreach (int id in ids) yield return id;
            if (done) yield break;
        }
    }

    /// <summary>As <see cref="Encode"/>, reading asynchronously.</summary>
    public async IAsyncEnumerable<int> EncodeAsync(TextReader reader, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var ids = new List<int>();
        Begin(ids);
        foreach (int id in ids) yield return id;
        while (true)
        {
            EnsureRoom();
            int read = await reader.ReadAsync(_buffer.AsMemory(_length, _options.ChunkChars), cancellationToken).ConfigureAwait(false);
            ids.Clear();
            bool done = Advance(read, ids);
            foreach (int id in ids) yield return id;
            if (done) yield break;
        }
    }

    private void Begin(List<int> ids)
    {
        _length = 0;
        _scanFrom = 1;
        _consumed = 0;
        _start = ChunkStart.TextStart;
        ForcedCuts = 0;
        Chunks = 0;
        if (_buffer.Length == 0) _buffer = new char[2 * _options.ChunkChars + _lookahead];
        if (_options.AddSpecial) _tokenizer.EncodeLeadingSpecial(ids);
    }

    private void EnsureRoom()
    {
        if (_length + _options.ChunkChars <= _buffer.Length) return;
        int size = Math.Min(Math.Max(_buffer.Length * 2, _length + _options.ChunkChars), _options.MaxPendingChars + _options.ChunkChars);
        Array.Resize(ref _buffer, size);
    }

    /// <summary>Takes <paramref name="read"/> new chars (0: end of text) and encodes what can be cut off; true at the end.</summary>
    private bool Advance(int read, List<int> ids)
    {
        if (read == 0)
        {
            if (_length > 0) EncodeChunk(_length, ids);
            if (_options.AddSpecial) _tokenizer.EncodeTrailingSpecial(ids);
            return true;
        }
        _length += read;
        if (_length < _options.ChunkChars + _lookahead) return false;
        int cut = LastSafeCut();
        if (cut > 0)
        {
            EncodeChunk(cut, ids);
            return false;
        }
        if (_length >= _options.MaxPendingChars) EncodeChunk(ForcedCut(), ids);
        return false;
    }

    // The last position where both the special-token split and the model allow a cut, searching only positions not
    // tested before (a test reads up to _lookahead chars on, so the last ones wait for more text).
    private int LastSafeCut()
    {
        ReadOnlySpan<char> text = _buffer.AsSpan(0, _length);
        int last = _length - _lookahead;
        for (int p = last; p >= _scanFrom; p--)
        {
            if (SplitsSurrogatePair(text, p) || !_guard.AllowsCut(text, p)) continue;
            if (_tokenizer.IsModelCut(text, p)) return p;
        }
        _scanFrom = Math.Max(_scanFrom, last + 1);
        return 0;
    }

    private int ForcedCut()
    {
        if (_options.WhenNoSafeCut == ForcedCutPolicy.Throw) throw new StreamingCutException(_consumed, _length);
        ForcedCuts++;
        ReadOnlySpan<char> text = _buffer.AsSpan(0, _length);
        int p = _length - _lookahead;
        for (int q = p; q > p - 256 && q > 0; q--)
            if (!SplitsSurrogatePair(text, q) && _guard.AllowsCut(text, q)) return q; // outside special tokens where it can
        return SplitsSurrogatePair(text, p) ? p - 1 : p;
    }

    private static bool SplitsSurrogatePair(ReadOnlySpan<char> text, int p) => char.IsLowSurrogate(text[p]) && char.IsHighSurrogate(text[p - 1]);

    private void EncodeChunk(int length, List<int> ids)
    {
        string chunk = new(_buffer, 0, length);
        _start = _tokenizer.EncodeChunk(chunk, ids, _options.ParseSpecial, _start);
        _length -= length;
        Array.Copy(_buffer, length, _buffer, 0, _length);
        _consumed += length;
        _scanFrom = 1;
        Chunks++;
    }
}
