namespace Spindle.Decoding.Speculative;

/// <summary>
/// Token Recycling's memory: for each token, the target's top candidates the last time it computed logits after that
/// token (the paper's vocabulary × k adjacency matrix), plus the same rows keyed by the last 2..order tokens. The longer
/// contexts live in direct-mapped tables of 64-bit fingerprints (2^16 slots per order): a collision can only cost
/// acceptance, never correctness, because the target verifies every draft.
/// </summary>
internal sealed class RecycledCandidates
{
    private const int SlotBits = 16;

    private readonly int _k;
    private readonly int _vocabulary;
    private readonly int[] _byToken;
    private readonly ulong[][] _contextKeys;
    private readonly int[][] _contextRows;
    private readonly float[] _topLogits;

    public RecycledCandidates(int vocabularySize, int candidates, int order)
    {
        if ((long)vocabularySize * candidates > Array.MaxLength) throw new ArgumentException("vocabulary too large for the adjacency matrix");
        _k = candidates;
        _vocabulary = vocabularySize;
        _byToken = new int[vocabularySize * candidates];
        Array.Fill(_byToken, -1);
        _contextKeys = new ulong[order - 1][];
        _contextRows = new int[order - 1][];
        for (int i = 0; i < _contextKeys.Length; i++)
        {
            _contextKeys[i] = new ulong[1 << SlotBits];
            _contextRows[i] = new int[(1 << SlotBits) * candidates];
        }
        _topLogits = new float[candidates];
    }

    public int VocabularySize => _vocabulary;

    /// <summary>Longest context the rows are keyed by (1: the token alone).</summary>
    public int Order => _contextKeys.Length + 1;

    /// <summary>
    /// The candidates after <paramref name="token"/>, best first (−1 where none is known): those recorded for the longest
    /// context whose fingerprint is in <paramref name="fingerprints"/> (index i: the last i + 2 tokens; 0 when the
    /// sequence is shorter), else the token's own row.
    /// </summary>
    public ReadOnlySpan<int> Row(int token, ReadOnlySpan<ulong> fingerprints)
    {
        for (int i = Math.Min(fingerprints.Length, _contextKeys.Length) - 1; i >= 0; i--)
        {
            ulong key = fingerprints[i];
            if (key == 0) continue;
            int slot = SlotOf(key);
            if (_contextKeys[i][slot] == key) return _contextRows[i].AsSpan(slot * _k, _k);
        }
        return _byToken.AsSpan(token * _k, _k);
    }

    /// <summary>Records the top candidates of <paramref name="logits"/> as what follows <paramref name="token"/> in each context.</summary>
    public void Record(int token, ReadOnlySpan<ulong> fingerprints, ReadOnlySpan<float> logits)
    {
        if ((uint)token >= (uint)_vocabulary) return;
        var row = _byToken.AsSpan(token * _k, _k);
        TopCandidates(logits, row);
        for (int i = 0; i < Math.Min(fingerprints.Length, _contextKeys.Length); i++)
        {
            ulong key = fingerprints[i];
            if (key == 0) break;
            int slot = SlotOf(key);
            _contextKeys[i][slot] = key;
            row.CopyTo(_contextRows[i].AsSpan(slot * _k, _k));
        }
    }

    private static int SlotOf(ulong fingerprint) => (int)(fingerprint >> (64 - SlotBits));

    /// <summary><paramref name="ids"/> becomes the indices of the largest logits, best first.</summary>
    private void TopCandidates(ReadOnlySpan<float> logits, Span<int> ids)
    {
        var top = _topLogits.AsSpan();
        int k = ids.Length;
        ids.Fill(-1);
        top.Fill(float.NegativeInfinity);
        float floor = float.NegativeInfinity;
        for (int v = 0; v < logits.Length; v++)
        {
            float x = logits[v];
            if (x <= floor) continue;
            // Insert into the sorted top-k (k is small), dropping the last.
            int j = k - 1;
            while (j > 0 && top[j - 1] < x)
            {
                top[j] = top[j - 1];
                ids[j] = ids[j - 1];
                j--;
            }
            top[j] = x;
            ids[j] = v;
            floor = top[k - 1];
        }
    }
}
