using System.Runtime.CompilerServices;

namespace Spindle.Watermarking.Codable;

/// <summary>
/// Balance-Marking's favoured half for one proxy distribution q. Tokens are ordered by a keyed 32-bit key; with C(x)
/// the proxy mass of the tokens before x, x is favoured when C(x) + q(x)/2 &lt; ½, i.e. when most of x's own mass lies
/// before the half-way mark. That midpoint rule makes the favoured half hold ½ of the mass up to one token, and makes a
/// fixed token favoured with probability exactly ½ over random orders (reversing the order swaps the two sides),
/// whatever q is: the decoder's null is a fair coin per position.
/// <para>
/// The key of token y under a 64-bit seed (lo, hi halves) is f(f(y·φ ⊕ lo) + hi), f = a 32-bit finalizer
/// ("lowbias32": xorshift-multiply twice). For a fixed seed it is a bijection of y, so no two tokens tie, and it is
/// made of 32-bit multiplies, which the decoder evaluates eight tokens at a time (AVX2). Masses are fixed-point
/// integers (q·2²⁴, a token below 6 × 10⁻⁸ weighs 0), so sums are exact in any order and the generator's sorted
/// prefix sums and the decoder's per-token sums agree to the last bit.
/// </para>
/// </summary>
internal sealed class BalanceSplit
{
    /// <summary>2²⁴: the fixed-point scale of masses (a vocabulary's total stays below 2³¹ in 32-bit lanes).</summary>
    public const float Scale = 16777216f;

    /// <summary>φ·2³² rounded to odd: multiplying ids by it is a bijection of 32 bits.</summary>
    public const uint Golden32 = 0x9E3779B9u;

    private const int Buckets = 256;
    private const int BucketShift = 24;

    private readonly int[] _mass;
    private readonly uint[] _keys;
    private readonly uint[] _boundaryKeys;
    private readonly int[] _ids;
    private readonly ulong[] _favoured;

    public BalanceSplit(int vocabularySize)
    {
        _mass = new int[vocabularySize];
        _keys = new uint[vocabularySize];
        _boundaryKeys = new uint[vocabularySize];
        _ids = new int[vocabularySize];
        _favoured = new ulong[(vocabularySize + 63) >> 6];
    }

    public int VocabularySize => _mass.Length;

    /// <summary>Σ of the fixed-point masses (≈ 2²⁴).</summary>
    public int Total { get; private set; }

    public ReadOnlySpan<int> Mass => _mass;

    /// <summary>Takes the proxy's probabilities (negative or NaN count as 0; the total is clamped to 2²⁴ per token).</summary>
    public void Load(ReadOnlySpan<float> probabilities)
    {
        long total = 0;
        for (int i = 0; i < _mass.Length; i++)
        {
            float q = probabilities[i];
            int m = q > 0 ? (int)(Math.Min(q, 1f) * Scale) : 0;
            _mass[i] = m;
            total += m;
        }
        // Probabilities summing to 1 give ≈ 2²⁴; a broken proxy summing to more would overflow the 32-bit sums.
        if (total > int.MaxValue / 4) throw new InvalidOperationException($"the proxy's probabilities sum to {total / (double)Scale}, not 1");
        Total = (int)total;
    }

    /// <summary>The order key of <paramref name="token"/> under <paramref name="seed"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint OrderKey(ulong seed, int token) =>
        Finalize(Finalize(((uint)token * Golden32) ^ (uint)seed) + (uint)(seed >> 32));

    /// <summary>lowbias32 (Chris Wellons' hash-prospector): a 32-bit bijection with low avalanche bias.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Finalize(uint x)
    {
        x ^= x >> 16;
        x *= 0x7FEB352Du;
        x ^= x >> 15;
        x *= 0x846CA68Bu;
        return x ^ (x >> 16);
    }

    /// <summary>
    /// The favoured tokens under <paramref name="seed"/> as a bit set (bit x of word x/64), in O(vocabulary): the masses
    /// go into 256 buckets by the keys' top byte; B is the first bucket at whose end the mass so far reaches half the
    /// total. Every token of an earlier bucket is favoured (2·C + q ≤ 2·(C + q) stays below the total), none of a later
    /// one (2·C alone reaches it); only B's few tokens are sorted by key and walked, with the rule as stated.
    /// </summary>
    public ReadOnlySpan<ulong> ComputeFavoured(ulong seed)
    {
        int n = _mass.Length;
        var keys = _keys.AsSpan(0, n);
        Span<long> bucketMass = stackalloc long[Buckets];
        bucketMass.Clear();
        for (int i = 0; i < n; i++)
        {
            uint k = OrderKey(seed, i);
            keys[i] = k;
            bucketMass[(int)(k >> BucketShift)] += _mass[i];
        }
        long before = 0, total = Total;
        int boundary = 0;
        while (boundary < Buckets - 1 && 2 * (before + bucketMass[boundary]) < total) before += bucketMass[boundary++];

        Array.Clear(_favoured);
        var inBoundary = _ids.AsSpan();
        int count = 0;
        for (int i = 0; i < n; i++)
        {
            int bucket = (int)(keys[i] >> BucketShift);
            if (bucket < boundary) _favoured[i >> 6] |= 1UL << (i & 63);
            else if (bucket == boundary) inBoundary[count++] = i;
        }
        // The boundary bucket's tokens in key order (their keys gathered beside them, then sorted together).
        var boundaryKeys = _boundaryKeys.AsSpan(0, count);
        for (int j = 0; j < count; j++) boundaryKeys[j] = keys[inBoundary[j]];
        boundaryKeys.Sort(inBoundary[..count]);
        for (int j = 0; j < count; j++)
        {
            int id = inBoundary[j];
            int m = _mass[id];
            if (2 * before + m >= total) break;
            _favoured[id >> 6] |= 1UL << (id & 63);
            before += m;
        }
        return _favoured;
    }

    /// <summary>Whether <paramref name="token"/> is favoured under <paramref name="seed"/>, by one pass over the vocabulary.</summary>
    public bool IsFavoured(ulong seed, int token)
    {
        uint kx = OrderKey(seed, token);
        long before = 0;
        for (int i = 0; i < _mass.Length; i++)
            if (_mass[i] != 0 && OrderKey(seed, i) < kx) before += _mass[i];
        return 2 * before + _mass[token] < Total;
    }
}
