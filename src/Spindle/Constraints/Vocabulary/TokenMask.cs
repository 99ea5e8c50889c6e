using System.Numerics;
using System.Runtime.CompilerServices;

namespace Spindle.Constraints.Vocabulary;

/// <summary>One bit per token id (1 = allowed), 64 tokens per word, as llguidance's SimpleVob.</summary>
public sealed class TokenMask
{
    private readonly ulong[] _words;

    public TokenMask(int tokenCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tokenCount);
        TokenCount = tokenCount;
        _words = new ulong[(tokenCount + 63) >> 6];
    }

    public int TokenCount { get; }

    /// <summary>The raw words; bit (id &amp; 63) of word (id &gt;&gt; 6) is token id. Bits past TokenCount are zero.</summary>
    public Span<ulong> Words => _words;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Set(int tokenId) => _words[tokenId >> 6] |= 1UL << (tokenId & 63);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Reset(int tokenId) => _words[tokenId >> 6] &= ~(1UL << (tokenId & 63));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsSet(int tokenId) => (_words[tokenId >> 6] & (1UL << (tokenId & 63))) != 0;

    public bool this[int tokenId] => IsSet(tokenId);

    public void Clear() => Array.Clear(_words);

    public void SetAll()
    {
        Array.Fill(_words, ulong.MaxValue);
        int tail = TokenCount & 63;
        if (tail != 0) _words[^1] = (1UL << tail) - 1;
    }

    public int Count()
    {
        int total = 0;
        foreach (ulong w in _words) total += BitOperations.PopCount(w);
        return total;
    }

    /// <summary>The single allowed id, or -1 when zero or several are allowed.</summary>
    public int SingleOrNone()
    {
        int found = -1;
        for (int i = 0; i < _words.Length; i++)
        {
            ulong w = _words[i];
            if (w == 0) continue;
            if (found >= 0 || (w & (w - 1)) != 0) return -1;
            found = (i << 6) | BitOperations.TrailingZeroCount(w);
        }
        return found;
    }

    public void CopyFrom(TokenMask other)
    {
        if (other.TokenCount != TokenCount) throw new ArgumentException("masks differ in token count", nameof(other));
        other._words.CopyTo(_words, 0);
    }

    /// <summary>Allowed ids in increasing order (allocates; for tests and diagnostics).</summary>
    public List<int> ToList()
    {
        var list = new List<int>();
        for (int i = 0; i < _words.Length; i++)
            for (ulong w = _words[i]; w != 0; w &= w - 1) list.Add((i << 6) | BitOperations.TrailingZeroCount(w));
        return list;
    }
}
