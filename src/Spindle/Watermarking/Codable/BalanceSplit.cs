using System.Runtime.CompilerServices;

namespace Spindle.Watermarking.Codable;

/// <summary>
/// Balance-Marking's favoured half for one proxy distribution q. Tokens are ordered by a keyed key (the seed's hash of
/// the token, its low bits replaced by the token id so no two keys tie); with C(x) the proxy mass of the tokens before
/// x, x is favoured when C(x) + q(x)/2 &lt; ½, i.e. when most of x's own mass lies before the half-way mark. That
/// midpoint rule makes the favoured half hold ½ of the mass up to one token, and makes a fixed token favoured with
/// probability exactly ½ over random orders (reversing the order swaps the two sides), whatever q is: the decoder's
/// null is a fair coin per position. Masses are fixed-point integers (q·2³²), so sums are exact and the generator's
/// sorted prefix sums and the decoder's per-token sums agree to the last bit.
/// </summary>
internal sealed class BalanceSplit
{
    private const double Scale = 4294967296.0; // 2³²

    private readonly long[] _mass;
    private readonly ulong[] _keys;
    private readonly int[] _ids;
    private readonly ulong[] _favoured;
    private readonly ulong _idMask;

    public BalanceSplit(int vocabularySize)
    {
        _mass = new long[vocabularySize];
        _keys = new ulong[vocabularySize];
        _ids = new int[vocabularySize];
        _favoured = new ulong[(vocabularySize + 63) >> 6];
        int idBits = 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)Math.Max(vocabularySize - 1, 1));
        _idMask = (1UL << idBits) - 1;
    }

    public int VocabularySize => _mass.Length;

    /// <summary>Σ of the fixed-point masses (≈ 2³²).</summary>
    public long Total { get; private set; }

    public ReadOnlySpan<long> Mass => _mass;

    /// <summary>Takes the proxy's probabilities (negative or NaN count as 0).</summary>
    public void Load(ReadOnlySpan<float> probabilities)
    {
        long total = 0;
        for (int i = 0; i < _mass.Length; i++)
        {
            float q = probabilities[i];
            long m = q > 0 ? (long)(q * Scale) : 0;
            _mass[i] = m;
            total += m;
        }
        Total = total;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong OrderKey(ulong seed, int token) => (KeyedHash.Absorb(seed, (uint)token) & ~_idMask) | (uint)token;

    /// <summary>
    /// The favoured tokens under <paramref name="seed"/> as a bit set (bit x of word x/64): every token sorted by key,
    /// then the prefix whose 2·C(x) + q(x) stays below the total (that quantity only grows along the order).
    /// </summary>
    public ReadOnlySpan<ulong> ComputeFavoured(ulong seed)
    {
        int n = _mass.Length;
        var keys = _keys.AsSpan(0, n);
        var ids = _ids.AsSpan(0, n);
        for (int i = 0; i < n; i++)
        {
            keys[i] = OrderKey(seed, i);
            ids[i] = i;
        }
        keys.Sort(ids);
        Array.Clear(_favoured);
        long before = 0, total = Total;
        for (int i = 0; i < n; i++)
        {
            int id = ids[i];
            long m = _mass[id];
            if (2 * before + m >= total) break;
            _favoured[id >> 6] |= 1UL << (id & 63);
            before += m;
        }
        return _favoured;
    }

    /// <summary>Whether <paramref name="token"/> is favoured under <paramref name="seed"/>, by one pass over the vocabulary.</summary>
    public bool IsFavoured(ulong seed, int token)
    {
        ulong kx = OrderKey(seed, token);
        long before = 0;
        for (int i = 0; i < _mass.Length; i++)
            if (_mass[i] != 0 && OrderKey(seed, i) < kx) before += _mass[i];
        return 2 * before + _mass[token] < Total;
    }
}
