namespace Spindle.Watermarking.Codable;

/// <summary>
/// Reads a <see cref="CodableOptions"/> message from token ids by maximum likelihood: a segment's value is the one under
/// which the most scored positions hold a favoured token. With δ added to a half of mass ½, the log-likelihood of the
/// text under value v is (count of favoured tokens)·δ minus a term that does not depend on v (Wang et al. 2024, §4), so
/// the count is the score. Every value of a segment is tried (2^b for b ≤ 16, 2^8 per segment above).
/// <para>
/// Scoring is done in one pass over the text, so the proxy runs once per position whatever the message length. Per
/// (position, value) Balance-Marking needs only whether x_t lies before the half-way mark of the keyed order: the
/// proxy mass of the tokens whose keys are below x_t's. Most of the mass sits in few tokens, so the sum is taken over
/// the top tokens holding all but 1/512 of the mass, which bounds the full sum within that rest; only when the bound
/// straddles the threshold is the vocabulary summed (exactly, in the same fixed point the generator used), which keeps
/// the decision identical to the generator's at a cost of about as many hashes per (position, value) as top tokens.
/// </para>
/// <para>
/// Input: the generated tokens, first one first (the proxy reads them from its start token, as during generation).
/// Token t ≥ 1 is scored with token t − 1 as its previous token; a (previous, token) pair already scored is skipped (its
/// decision under Vanilla-Marking is the same coin again, under Balance-Marking nearly so), as are positions the proxy
/// cannot read and ids outside the vocabulary (the text is cut at the first such id for Balance-Marking).
/// </para>
/// </summary>
public sealed class CodableDecoder
{
    /// <summary>The top tokens may leave out at most Total / this of the mass.</summary>
    private const int TailFraction = 512;

    /// <summary>Most top tokens tracked per position (a flatter distribution falls back to exact sums more often).</summary>
    private const int MaxTop = 128;

    private readonly CodableOptions _options;
    private readonly CodableLayout _layout;
    private readonly IProxyDistribution? _proxy;
    private readonly DetectionOptions _detection;

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
        var seen = new HashSet<ulong>(Math.Max(tokens.Length, 0));
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
        var byMass = new long[vocabulary];
        var order = new int[vocabulary];
        var topIds = new int[MaxTop];
        var topMass = new long[MaxTop];
        var seen = new HashSet<ulong>(Math.Max(tokens.Length, 0));
        int usable = 0;
        while (usable < tokens.Length && (uint)tokens[usable] < (uint)vocabulary) usable++;

        for (int t = 1; t < usable; t++)
        {
            int previous = tokens[t - 1], x = tokens[t];
            if (!seen.Add(Pair(previous, x))) continue;
            if (!proxy.TryGetProbabilities(tokens[..t], q)) continue;
            split.Load(q);
            var mass = split.Mass;
            long total = split.Total, mx = mass[x];

            // The top tokens by mass (x itself aside) until all but Total/TailFraction of the rest is covered.
            for (int i = 0; i < vocabulary; i++)
            {
                byMass[i] = -mass[i];
                order[i] = i;
            }
            byMass.AsSpan().Sort(order.AsSpan());
            long covered = 0, rest = total - mx, allowance = total / TailFraction;
            int top = 0;
            for (int i = 0; i < vocabulary && top < MaxTop && rest - covered > allowance; i++)
            {
                int id = order[i];
                if (id == x || mass[id] == 0) continue;
                topIds[top] = id;
                topMass[top] = mass[id];
                covered += mass[id];
                top++;
            }
            long tail = rest - covered;

            int segment = _layout.SegmentOf(previous);
            ulong state = _layout.PositionState(previous, segment);
            var s = scores[segment];
            for (int v = 0; v < s.Length; v++)
            {
                ulong seed = CodableLayout.Seed(state, (uint)v);
                ulong kx = split.OrderKey(seed, x);
                long before = 0;
                for (int i = 0; i < top; i++)
                    if (split.OrderKey(seed, topIds[i]) < kx) before += topMass[i];
                bool favoured;
                if (2 * before + mx >= total) favoured = false;
                else if (2 * (before + tail) + mx < total) favoured = true;
                else favoured = split.IsFavoured(seed, x);
                if (favoured) s[v]++;
            }
            scored[segment]++;
        }
    }

    private static ulong Pair(int previous, int token) => ((ulong)(uint)previous << 32) | (uint)token;
}
