using Spindle.Sampling;
using Spindle.Watermarking;
using Spindle.Watermarking.Codable;

namespace Spindle.Tests.Watermarking;

/// <summary>
/// Codable watermarks without a model: options, the message layout, the balanced split, and the decoder against a
/// synthetic language model (a fixed pseudo-random distribution per prefix that also serves as the proxy).
/// </summary>
public sealed class CodableTests(ITestOutputHelper output)
{
    private static readonly WatermarkKey Key = WatermarkKey.FromString("codable tests");

    [Theory]
    [InlineData(0, 0UL, 2f)]
    [InlineData(33, 0UL, 2f)]
    [InlineData(8, 256UL, 2f)]
    [InlineData(8, 3UL, -1f)]
    [InlineData(8, 3UL, float.NaN)]
    public void InvalidOptionsThrowArgumentExceptions(int bits, ulong message, float delta)
    {
        var options = new CodableOptions { Key = Key, MessageBits = bits, Message = message, Delta = delta, Scheme = CodableScheme.Vanilla };
        Assert.ThrowsAny<ArgumentException>(options.Validate);
        Assert.ThrowsAny<ArgumentException>(() => new CodableStage(options, null));
        Assert.ThrowsAny<ArgumentException>(() => new CodableDecoder(options));
    }

    [Fact]
    public void BalanceMarkingNeedsAProxy()
    {
        var options = new CodableOptions { Key = Key, MessageBits = 8 };
        Assert.Throws<ArgumentException>(() => new CodableStage(options, null));
        Assert.Throws<ArgumentException>(() => new CodableDecoder(options));
    }

    [Theory]
    [InlineData(1, new[] { 1 })]
    [InlineData(16, new[] { 16 })]
    [InlineData(17, new[] { 6, 6, 5 })]
    [InlineData(24, new[] { 8, 8, 8 })]
    [InlineData(32, new[] { 8, 8, 8, 8 })]
    public void LongMessagesAreSplitIntoSegmentsOfAtMostEightBits(int bits, int[] segments)
    {
        var layout = new CodableLayout(new CodableOptions { Key = Key, MessageBits = bits });
        Assert.Equal(segments.Length, layout.SegmentCount);
        for (int j = 0, first = 0; j < segments.Length; first += segments[j], j++)
        {
            Assert.Equal(segments[j], layout.BitsOf(j));
            Assert.Equal(first, layout.FirstBitOf(j));
        }
        // Every segment is carried by some previous token.
        var carried = new HashSet<int>();
        for (int prev = 0; prev < 200; prev++) carried.Add(layout.SegmentOf(prev));
        Assert.Equal(segments.Length, carried.Count);
    }

    [Fact]
    public void TheFavouredHalfHoldsHalfTheMassAndBothTestsAgree()
    {
        var proxy = new SyntheticLanguageModel(300);
        var q = new float[300];
        var split = new BalanceSplit(300);
        var rng = new SamplerRng(3);
        for (int trial = 0; trial < 50; trial++)
        {
            proxy.TryGetProbabilities([trial, trial * 7], q);
            split.Load(q);
            ulong seed = rng.NextUInt64();
            var favoured = split.ComputeFavoured(seed);
            long mass = 0, largest = 0;
            for (int x = 0; x < 300; x++)
            {
                bool inSet = (favoured[x >> 6] & (1UL << (x & 63))) != 0;
                Assert.Equal(split.IsFavoured(seed, x), inSet);
                if (inSet) mass += split.Mass[x];
                largest = Math.Max(largest, split.Mass[x]);
            }
            // The half-way token goes wholly to one side: the favoured mass is ½ ± half the largest token's.
            Assert.InRange(mass, split.Total / 2 - largest / 2 - 1, split.Total / 2 + largest / 2 + 1);
        }
    }

    [Theory]
    [InlineData(CodableScheme.Balance, 6, 45UL)]
    [InlineData(CodableScheme.Vanilla, 6, 17UL)]
    [InlineData(CodableScheme.Balance, 12, 0xABCUL)]
    [InlineData(CodableScheme.Vanilla, 20, 0xBEEF1UL)]
    public void SyntheticTextDecodesToItsMessage(CodableScheme scheme, int bits, ulong message)
    {
        var lm = new SyntheticLanguageModel(300);
        var options = new CodableOptions { Key = Key, Scheme = scheme, MessageBits = bits, Message = message };
        int length = bits > 16 ? 1200 : 300;
        int[] tokens = Generate(lm, new CodableStage(options, new SyntheticLanguageModel(300)), length, seed: 11);

        var decoded = new CodableDecoder(options, new SyntheticLanguageModel(300)).Decode(tokens);
        output.WriteLine($"{scheme} {bits} bits: {decoded.ScoredTokens} scored, message {decoded.Message:X} (sent {message:X}), p {decoded.PValue:G3}, margin {decoded.Margin}");
        Assert.Equal(message, decoded.Message);
        Assert.Equal(WatermarkVerdict.Watermarked, decoded.Verdict);
        Assert.Equal(bits > 16 ? 128 + 128 + 64 : 1L << bits, decoded.MessagesScored); // 20 bits: 7 + 7 + 6

        var wrong = new CodableDecoder(options with { Key = WatermarkKey.FromString("wrong") }, new SyntheticLanguageModel(300)).Decode(tokens);
        Assert.Equal(WatermarkVerdict.NotWatermarked, wrong.Verdict);
        Assert.True(wrong.PValue > 1e-3, $"wrong key p = {wrong.PValue}");

        int[] plain = Generate(lm, null, length, seed: 11);
        var none = new CodableDecoder(options, new SyntheticLanguageModel(300)).Decode(plain);
        Assert.Equal(WatermarkVerdict.NotWatermarked, none.Verdict);
    }

    [Fact]
    public void TheDecodersShortcutsGiveTheExactCounts()
    {
        // Every value's count by the full-vocabulary test, against the decoder's bounded sums (vector and scalar paths).
        var options = new CodableOptions { Key = Key, MessageBits = 6, Message = 9 };
        int[] tokens = Generate(new SyntheticLanguageModel(300), new CodableStage(options, new SyntheticLanguageModel(300)), 120, seed: 5);
        var decoded = new CodableDecoder(options, new SyntheticLanguageModel(300)).Decode(tokens);

        var layout = new CodableLayout(options);
        var proxy = new SyntheticLanguageModel(300);
        var split = new BalanceSplit(300);
        var q = new float[300];
        var expected = new int[64];
        var seen = new HashSet<(int, int)>();
        for (int t = 1; t < tokens.Length; t++)
        {
            if (!seen.Add((tokens[t - 1], tokens[t]))) continue;
            proxy.TryGetProbabilities(tokens.AsSpan(0, t), q);
            split.Load(q);
            ulong state = layout.PositionState(tokens[t - 1], 0);
            for (int v = 0; v < 64; v++) if (split.IsFavoured(CodableLayout.Seed(state, (uint)v), tokens[t])) expected[v]++;
        }
        Assert.Equal(expected, decoded.Segments[0].Scores);
        var scalar = new CodableDecoder(options, new SyntheticLanguageModel(300), vectorize: false).Decode(tokens);
        Assert.Equal(expected, scalar.Segments[0].Scores);
    }

    [Fact]
    public void BadInputGetsAnHonestVerdict()
    {
        var options = new CodableOptions { Key = Key, MessageBits = 8 };
        var decoder = new CodableDecoder(options, new SyntheticLanguageModel(300));
        var vanilla = new CodableDecoder(options with { Scheme = CodableScheme.Vanilla });
        foreach (int[] tokens in new[] { Array.Empty<int>(), [4], [4, 5, 6], [-1, 5, 7, 1000, 3, 2], [1, 299, 300, 301] })
        {
            var d = decoder.Decode(tokens);
            Assert.Equal(WatermarkVerdict.Insufficient, d.Verdict);
            Assert.Equal(WatermarkVerdict.Insufficient, vanilla.Decode(tokens).Verdict);
            Assert.InRange(d.PValue, 0, 1);
        }
    }

    /// <summary>Samples <paramref name="length"/> tokens at temperature 1 from the synthetic model, through the stage when given.</summary>
    internal static int[] Generate(SyntheticLanguageModel lm, ILogitsStage? stage, int length, ulong seed)
    {
        var stages = new List<ILogitsStage>();
        if (stage is not null) stages.Add(stage);
        stages.Add(new DistributionPicker(new SamplerRng(seed)));
        var chain = new SamplerChain(stages, lm.VocabularySize);
        chain.Accept(1); // a one-token prompt
        var tokens = new int[length];
        var q = new float[lm.VocabularySize];
        var logits = new float[lm.VocabularySize];
        for (int t = 0; t < length; t++)
        {
            lm.TryGetProbabilities(tokens.AsSpan(0, t), q);
            for (int i = 0; i < q.Length; i++) logits[i] = MathF.Log(q[i]);
            tokens[t] = chain.Sample(logits);
            chain.Accept(tokens[t]);
        }
        return tokens;
    }
}

/// <summary>
/// A stand-in language model over a small vocabulary: after a prefix, logits are a fixed pseudo-random function of the
/// last two tokens (a Zipf-like spread: a few likely tokens, a long tail), so text has the entropy of real stories.
/// </summary>
internal sealed class SyntheticLanguageModel(int vocabularySize) : IProxyDistribution
{
    public int VocabularySize => vocabularySize;

    public bool TryGetProbabilities(ReadOnlySpan<int> prefix, Span<float> destination)
    {
        ulong state = 0x1234_5678_9ABC_DEF0UL;
        int a = prefix.Length > 0 ? prefix[^1] : -1, b = prefix.Length > 1 ? prefix[^2] : -1;
        state = Mix(state ^ (uint)a) ^ Mix((ulong)(uint)b << 20);
        double sum = 0;
        for (int i = 0; i < vocabularySize; i++)
        {
            double u = (Mix(state + (ulong)i) >> 11) * (1.0 / (1UL << 53));
            double logit = 6 * u * u * u; // most tokens near 0, a few up to 6
            destination[i] = (float)Math.Exp(logit);
            sum += destination[i];
        }
        for (int i = 0; i < vocabularySize; i++) destination[i] = (float)(destination[i] / sum);
        return true;
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
