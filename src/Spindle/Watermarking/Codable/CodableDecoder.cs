using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Spindle.Watermarking.Codable;

/// <summary>
/// Reads a <see cref="CodableOptions"/> message from token ids by maximum likelihood: a segment's value is the one under
/// which the most scored positions hold a favoured token. With δ added to a half of mass ½, the log-likelihood of the
/// text under value v is (count of favoured tokens)·δ minus a term that does not depend on v (Wang et al. 2024, §4), so
/// the count is the score. Every value of a segment is tried (2^b for b ≤ 16, 2^8 per segment above).
/// <para>
/// Scoring is done in one pass over the text, so the proxy runs once per position whatever the message length. Per
/// (position, value) Balance-Marking needs only whether x_t lies before the half-way mark of the keyed order: the
/// proxy mass of the tokens whose keys are below x_t's. Most of the mass sits in few tokens, so the sum runs over the
/// tokens heaviest first, eight keys per AVX2 vector, and stops as soon as the mass still unsummed cannot move the sum
/// across the half-way mark: exact (the same fixed-point integers the generator used), and usually a few vectors per
/// (position, value).
/// </para>
/// <para>
/// Input: the generated tokens, first one first (the proxy reads them from its start token, as during generation).
/// Token t ≥ 1 is scored with token t − 1 as its previous token; a (previous, token) pair already scored is skipped (its
/// decision under Vanilla-Marking is the same coin again, under Balance-Marking nearly so), as are negative ids and
/// positions the proxy cannot read; Balance-Marking cuts the text at the first id outside the proxy's vocabulary.
/// </para>
/// </summary>
public sealed class CodableDecoder
{
    /// <summary>Tokens summed between two checks of the bounds: one 256-bit vector of 32-bit keys.</summary>
    private const int Chunk = 8;

    private readonly CodableOptions _options;
    private readonly CodableLayout _layout;
    private readonly IProxyDistribution? _proxy;
    private readonly DetectionOptions _detection;
    private readonly bool _vectorize = true;

    /// <param name="proxy">Balance-Marking's proxy, configured as the generator's was (same model, start token and context).</param>
    public CodableDecoder(CodableOptions options, IProxyDistribution? proxy = null, DetectionOptions? detection = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        detection ??= DetectionOptions.Default;
        detection.Validate();
        if (options.Scheme == CodableScheme.Balance && proxy is null)
            throw new ArgumentException("Balance-Marking needs the proxy distribution the generator used", nameof(proxy));
        _options = options;
        _layout = new CodableLayout(options);
        _proxy = options.Scheme == CodableScheme.Balance ? proxy : null;
        _detection = detection;
    }

    /// <summary>A decoder that never takes the vector path (tests compare both).</summary>
    internal CodableDecoder(CodableOptions options, IProxyDistribution? proxy, bool vectorize)
        : this(options, proxy) => _vectorize = vectorize;

    /// <summary>Decodes <paramref name="tokens"/>; any input, empty included, gets a verdict rather than an exception.</summary>
    public MessageDecoding Decode(ReadOnlySpan<int> tokens)
    {
        int segments = _layout.SegmentCount;
        var scores = new int[segments][];
        var scored = new int[segments];
        for (int j = 0; j < segments; j++) scores[j] = new int[1 << _layout.BitsOf(j)];

        if (_proxy is null) ScoreVanilla(tokens, scores, scored);
        else ScoreBalance(tokens, scores, scored);

        var results = new SegmentDecoding[segments];
        ulong message = 0;
        double pValue = 0;
        int total = 0;
        for (int j = 0; j < segments; j++)
        {
            var s = scores[j];
            int best = 0;
            for (int v = 1; v < s.Length; v++) if (s[v] > s[best]) best = v;
            int runnerUp = int.MinValue;
            for (int v = 0; v < s.Length; v++) if (v != best) runnerUp = Math.Max(runnerUp, s[v]);
            if (s.Length == 1) runnerUp = 0;
            int bits = _layout.BitsOf(j);
            double p = scored[j] == 0 ? 1
                : WatermarkStatistics.SidakCorrection(WatermarkStatistics.BinomialUpperTail(scored[j], s[best], 0.5), s.Length);
            results[j] = new SegmentDecoding(_layout.FirstBitOf(j), bits, (ulong)best, scored[j], s[best], runnerUp, p, s);
            message |= (ulong)best << _layout.FirstBitOf(j);
            pValue = Math.Max(pValue, p);
            total += scored[j];
        }
        return new MessageDecoding(_detection.Verdict(total, pValue), message, _options.MessageBits, total, pValue, results);
    }

    private void ScoreVanilla(ReadOnlySpan<int> tokens, int[][] scores, int[] scored)
    {
        var seen = new HashSet<ulong>(tokens.Length);
        for (int t = 1; t < tokens.Length; t++)
        {
            int previous = tokens[t - 1], x = tokens[t];
            if (x < 0 || !seen.Add(Pair(previous, x))) continue;
            int segment = _layout.SegmentOf(previous);
            ulong state = _layout.PositionState(previous, segment);
            var s = scores[segment];
            for (int v = 0; v < s.Length; v++)
                if (CodableLayout.VanillaFavoured(CodableLayout.Seed(state, (uint)v), x)) s[v]++;
            scored[segment]++;
        }
    }

    private void ScoreBalance(ReadOnlySpan<int> tokens, int[][] scores, int[] scored)
    {
        var proxy = _proxy!;
        int vocabulary = proxy.VocabularySize;
        var split = new BalanceSplit(vocabulary);
        var q = new float[vocabulary];
        var byMass = new int[vocabulary];
        var order = new int[vocabulary];
        int padded = (vocabulary + Chunk - 1) / Chunk * Chunk;
        var idKeys = new uint[padded];
        var masses = new int[padded];
        var after = new int[padded / Chunk + 1];
        var seen = new HashSet<ulong>(tokens.Length);
        int usable = 0;
        while (usable < tokens.Length && (uint)tokens[usable] < (uint)vocabulary) usable++;

        for (int t = 1; t < usable; t++)
        {
            int previous = tokens[t - 1], x = tokens[t];
            if (!seen.Add(Pair(previous, x))) continue;
            if (!proxy.TryGetProbabilities(tokens[..t], q)) continue;
            split.Load(q);
            var mass = split.Mass;
            int total = split.Total, mx = mass[x];

            // The other tokens with mass, heaviest first (ids premultiplied by φ for the key), padded with weightless
            // ones to whole chunks, and the mass left after each chunk.
            for (int i = 0; i < vocabulary; i++)
            {
                byMass[i] = -mass[i];
                order[i] = i;
            }
            byMass.AsSpan().Sort(order.AsSpan());
            int count = 0;
            for (int i = 0; i < vocabulary; i++)
            {
                int id = order[i];
                if (mass[id] == 0) break;
                if (id == x) continue;
                idKeys[count] = (uint)id * BalanceSplit.Golden32;
                masses[count++] = mass[id];
            }
            int chunks = (count + Chunk - 1) / Chunk;
            for (int i = count; i < chunks * Chunk; i++) (idKeys[i], masses[i]) = (0, 0);
            after[chunks] = 0;
            for (int c = chunks - 1; c >= 0; c--)
            {
                int sum = after[c + 1];
                for (int i = c * Chunk; i < (c + 1) * Chunk; i++) sum += masses[i];
                after[c] = sum;
            }

            int segment = _layout.SegmentOf(previous);
            ulong state = _layout.PositionState(previous, segment);
            var s = scores[segment];
            var keys = idKeys.AsSpan(0, chunks * Chunk);
            var weights = masses.AsSpan(0, chunks * Chunk);
            var left = after.AsSpan(0, chunks + 1);
            if (Vector256.IsHardwareAccelerated && _vectorize)
            {
                for (int v = 0; v < s.Length; v++)
                    if (FavouredVector256(CodableLayout.Seed(state, (uint)v), x, mx, total, keys, weights, left)) s[v]++;
            }
            else
            {
                for (int v = 0; v < s.Length; v++)
                    if (FavouredScalar(CodableLayout.Seed(state, (uint)v), x, mx, total, keys, weights, left)) s[v]++;
            }
            scored[segment]++;
        }
    }

    /// <summary>
    /// Whether x (mass <paramref name="mx"/>) is favoured under <paramref name="seed"/>: C(x) is summed over the other
    /// tokens heaviest first, a chunk at a time, until the bounds C ∈ [sum so far, sum so far + mass left] settle
    /// 2·C + mx &lt; total either way. Exact: the same integer test as <see cref="BalanceSplit"/>'s. Keys are
    /// <see cref="BalanceSplit.OrderKey"/> from ids premultiplied by φ.
    /// </summary>
    private static bool FavouredScalar(ulong seed, int x, int mx, int total, ReadOnlySpan<uint> idKeys,
        ReadOnlySpan<int> masses, ReadOnlySpan<int> after)
    {
        uint lo = (uint)seed, hi = (uint)(seed >> 32);
        uint kx = BalanceSplit.OrderKey(seed, x);
        long before = 0;
        for (int c = 0, start = 0; ; c++, start += Chunk)
        {
            if (2 * before + mx >= total) return false;
            if (2 * (before + after[c]) + mx < total) return true;
            for (int i = start; i < start + Chunk; i++)
                if (BalanceSplit.Finalize(BalanceSplit.Finalize(idKeys[i] ^ lo) + hi) < kx) before += masses[i];
        }
    }

    /// <summary><see cref="FavouredScalar"/> eight keys at a time (32-bit multiplies; an unsigned compare as a signed one of sign-flipped keys).</summary>
    private static bool FavouredVector256(ulong seed, int x, int mx, int total, ReadOnlySpan<uint> idKeys,
        ReadOnlySpan<int> masses, ReadOnlySpan<int> after)
    {
        var lo = Vector256.Create((uint)seed);
        var hi = Vector256.Create((uint)(seed >> 32));
        var sign = Vector256.Create(0x80000000u);
        var kx = Vector256.Create((int)(BalanceSplit.OrderKey(seed, x) ^ 0x80000000u));
        var acc = Vector256<int>.Zero;
        ref uint keys = ref MemoryMarshal.GetReference(idKeys);
        ref int weights = ref MemoryMarshal.GetReference(masses);
        for (int c = 0, start = 0; ; c++, start += Chunk)
        {
            long before = Vector256.Sum(acc);
            if (2 * before + mx >= total) return false;
            if (2 * (before + after[c]) + mx < total) return true;
            Debug.Assert(start + Chunk <= idKeys.Length);
            var k = Finalize(Finalize(Vector256.LoadUnsafe(ref keys, (nuint)start) ^ lo) + hi);
            var below = Vector256.LessThan((k ^ sign).AsInt32(), kx);
            acc += below & Vector256.LoadUnsafe(ref weights, (nuint)start);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Finalize(Vector256<uint> x)
    {
        x ^= Vector256.ShiftRightLogical(x, 16);
        x *= 0x7FEB352Du;
        x ^= Vector256.ShiftRightLogical(x, 15);
        x *= 0x846CA68Bu;
        return x ^ Vector256.ShiftRightLogical(x, 16);
    }

    private static ulong Pair(int previous, int token) => ((ulong)(uint)previous << 32) | (uint)token;
}
