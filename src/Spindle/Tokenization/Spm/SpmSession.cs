using System.Text;

namespace Spindle.Tokenization.Spm;

/// <summary>
/// Scratch state for encoding one text fragment (llama.cpp's llm_tokenizer_spm_session): the escaped text, a doubly
/// linked list of symbols in parallel arrays and the bigram queue. One per thread, grown as needed and reused, so encoding
/// allocates nothing per symbol.
/// </summary>
internal sealed class SpmSession
{
    private const char SpaceEscape = '\u2581';

    private char[] _text = new char[256];
    private int[] _start = new int[256]; // symbol → first char in _text
    private int[] _length = new int[256]; // chars; 0 once merged into its left neighbour
    private int[] _prev = new int[256];
    private int[] _next = new int[256];
    private int[] _id = new int[256]; // token the symbol's text is, -1 for a code point no token covers
    private readonly BigramQueue _queue = new();

    public void Encode(SpmPieceTable table, ReadOnlySpan<char> fragment, bool addSpacePrefix, int unknownId, bool splitSegments, List<int> output)
    {
        int length = fragment.Length + (addSpacePrefix ? 1 : 0);
        if (length == 0) return;
        if (_text.Length < length) _text = new char[Math.Max(length, _text.Length * 2)];

        Span<char> text = _text.AsSpan(0, length);
        if (addSpacePrefix) text[0] = SpaceEscape;
        fragment.Replace(text[(addSpacePrefix ? 1 : 0)..], ' ', SpaceEscape);

        // Merge segment by segment, cut where no token spans the boundary: each queue stays small and in cache.
        for (int position = 0; position < length;)
        {
            int count = SplitSegment(table, text, splitSegments, ref position);
            _queue.Clear();
            for (int i = 1; i < count; i++) TryAddBigram(table, i - 1, i);
            Merge(table);
            Emit(table, unknownId, output);
        }
        // A thread keeps its scratch for the next call, but not a copy of a huge input.
        if (_text.Length > RetainedTextCapacity) _text = new char[256];
    }

    private const int RetainedTextCapacity = 1 << 20;

    // One symbol per code point, as llama.cpp splits by UTF-8 sequence length, from `position` up to the first boundary
    // no merge can cross. Symbols are numbered from 0 per segment.
    private int SplitSegment(SpmPieceTable table, ReadOnlySpan<char> text, bool splitSegments, ref int position)
    {
        int[] start = _start, len = _length, prev = _prev, next = _next, id = _id;
        int count = 0, previousCodePoint = 0;
        int i = position;
        while (i < text.Length)
        {
            char c = text[i];
            int codePoint = c, n = 1;
            if (char.IsSurrogate(c))
            {
                if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    codePoint = char.ConvertToUtf32(c, text[i + 1]);
                    n = 2;
                }
                else
                {
                    codePoint = 0xFFFD; // a lone surrogate becomes U+FFFD in UTF-8, the form llama.cpp sees
                }
            }
            if (splitSegments && count > 0 && !table.CanJoin(previousCodePoint, codePoint)) break;
            if (count == start.Length)
            {
                GrowSymbols();
                (start, len, prev, next, id) = (_start, _length, _prev, _next, _id);
            }
            start[count] = i;
            len[count] = n;
            prev[count] = count - 1;
            next[count] = count + 1;
            id[count] = table.CodePointToken(codePoint);
            previousCodePoint = codePoint;
            count++;
            i += n;
        }
        next[count - 1] = -1;
        position = i;
        return count;
    }

    private void TryAddBigram(SpmPieceTable table, int left, int right)
    {
        if (left < 0 || right < 0) return;
        int leftId = _id[left], rightId = _id[right];
        int size = _length[left] + _length[right];
        int merged = leftId >= 0 && rightId >= 0
            ? table.Merge(leftId, rightId)
            : table.TextToken(_text.AsSpan(_start[left], size));
        if (merged < 0) return;
        _queue.Push(new Bigram { Score = table.Scores[merged], Left = left, Right = right, Size = size, Id = merged });
    }

    private void Merge(SpmPieceTable table)
    {
        int[] len = _length, prev = _prev, next = _next, id = _id;
        while (_queue.Count > 0)
        {
            Bigram bigram = _queue.Pop();
            int left = bigram.Left, right = bigram.Right;
            // A side merged elsewhere since this pair was queued.
            if (len[left] == 0 || len[right] == 0 || len[left] + len[right] != bigram.Size) continue;

            len[left] += len[right];
            len[right] = 0;
            id[left] = bigram.Id;
            int after = next[right];
            next[left] = after;
            if (after >= 0) prev[after] = left;

            TryAddBigram(table, prev[left], left);
            TryAddBigram(table, left, after);
        }
    }

    private void Emit(SpmPieceTable table, int unknownId, List<int> output)
    {
        for (int i = 0; i != -1; i = _next[i])
        {
            int id = _id[i];
            if (id >= 0) output.Add(id);
            else EmitBytes(table, _text.AsSpan(_start[i], _length[i]), unknownId, output);
        }
    }

    // A code point no token covers: its UTF-8 bytes as byte tokens, or <unk> when the vocabulary has no token for a byte
    // (llama.cpp aborts there).
    private static void EmitBytes(SpmPieceTable table, ReadOnlySpan<char> symbol, int unknownId, List<int> output)
    {
        Span<byte> bytes = stackalloc byte[8];
        int byteCount = Encoding.UTF8.GetBytes(symbol, bytes);
        for (int j = 0; j < byteCount; j++)
        {
            if (table.ByteToken(bytes[j]) < 0)
            {
                if (unknownId < 0)
                    throw new InvalidOperationException(
                        $"cannot tokenize '{symbol}': the vocabulary has neither byte tokens for it nor an unknown token");
                output.Add(unknownId);
                return;
            }
        }
        for (int j = 0; j < byteCount; j++) output.Add(table.ByteToken(bytes[j]));
    }

    private void GrowSymbols()
    {
        int size = _start.Length * 2;
        Array.Resize(ref _start, size);
        Array.Resize(ref _length, size);
        Array.Resize(ref _prev, size);
        Array.Resize(ref _next, size);
        Array.Resize(ref _id, size);
    }
}
