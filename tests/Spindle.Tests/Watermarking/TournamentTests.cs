using Spindle.Sampling;
using Spindle.Tests.Decoding.Speculative;
using Spindle.Watermarking;
using Spindle.Watermarking.Tournament;

namespace Spindle.Tests.Watermarking;

/// <summary>Tournament sampling without a model: the layer transform against a simulated tournament, masking, the null.</summary>
public sealed class TournamentTests(ITestOutputHelper output)
{
    private static readonly WatermarkKey Key = WatermarkKey.FromString("tournament tests");

    [Theory]
    [InlineData(0, 4)]
    [InlineData(65, 4)]
    [InlineData(30, 0)]
    [InlineData(30, 17)]
    public void InvalidOptionsThrowArgumentExceptions(int layers, int width)
    {
        var options = new TournamentOptions { Key = Key, Layers = layers, ContextWidth = width };
        Assert.ThrowsAny<ArgumentException>(options.Validate);
        Assert.ThrowsAny<ArgumentException>(() => new TournamentPicker(options, new SamplerRng(1)));
        Assert.ThrowsAny<ArgumentException>(() => new TournamentDetector(options));
    }

    [Fact]
    public void LayerTransformIsTheDistributionOfASimulatedTournament()
    {
        // Six tokens, three layers: 8 draws from p per tournament, knocked out two by two; layer l's match goes to the
        // higher bit l of the token's value, a tie to a fair coin. 40,000 tournaments against the closed form by χ².
        double[] p = [0.30, 0.25, 0.20, 0.12, 0.08, 0.05];
        ulong[] values = [0b101, 0b011, 0b000, 0b110, 0b111, 0b010];
        const int layers = 3, tournaments = 40_000;
        var shaped = (double[])p.Clone();
        TournamentPicker.ApplyLayers(shaped, values, layers);

        var rng = new SamplerRng(2024);
        var counts = new double[p.Length];
        var round = new int[1 << layers];
        for (int n = 0; n < tournaments; n++)
        {
            for (int i = 0; i < round.Length; i++) round[i] = Draw(p, rng);
            for (int l = 0, alive = round.Length; l < layers; l++, alive /= 2)
            {
                for (int i = 0; i < alive / 2; i++)
                {
                    int a = round[2 * i], b = round[2 * i + 1];
                    ulong ga = (values[a] >> l) & 1, gb = (values[b] >> l) & 1;
                    round[i] = ga > gb ? a : gb > ga ? b : (rng.NextUInt64() >> 63) == 0 ? a : b;
                }
            }
            counts[round[0]]++;
        }
        var expected = new double[p.Length];
        var untouched = new double[p.Length];
        for (int i = 0; i < p.Length; i++)
        {
            expected[i] = shaped[i] * tournaments;
            untouched[i] = p[i] * tournaments;
        }
        var fit = ChiSquare.Test(counts, expected);
        var control = ChiSquare.Test(counts, untouched);
        output.WriteLine($"shaped [{string.Join(", ", shaped.Select(x => x.ToString("F4")))}]; χ² {fit.Statistic:F2} (p {fit.P:G3}); against p itself χ² {control.Statistic:F0}");
        Assert.True(fit.P > 0.001, $"χ² p = {fit.P}");
        Assert.True(control.P < 1e-9, "the simulated tournament should not look like p itself");
        Assert.Equal(1.0, shaped.Sum(), 1e-12);
    }

    [Theory]
    [InlineData(1, 30)]
    [InlineData(7, 30)]
    [InlineData(13, 64)]
    [InlineData(2048, 30)]
    public void VectorLayersMatchTheScalarReference(int count, int layers)
    {
        var rng = new SamplerRng((ulong)count);
        var p = new double[count];
        var values = new ulong[count];
        double sum = 0;
        for (int i = 0; i < count; i++)
        {
            p[i] = rng.NextDouble() * rng.NextDouble();
            values[i] = rng.NextUInt64();
            sum += p[i];
        }
        for (int i = 0; i < count; i++) p[i] /= sum;
        var vector = (double[])p.Clone();
        TournamentPicker.ApplyLayers(vector, values, layers);
        TournamentPicker.ApplyLayers(p, values, layers, vectorize: false);
        for (int i = 0; i < count; i++) Assert.Equal(p[i], vector[i], 1e-12);
    }

    [Fact]
    public void RepeatedContextsAndShortContextsAreLeftUnwatermarked()
    {
        var picker = new TournamentPicker(new TournamentOptions { Key = Key, ContextWidth = 2 }, new SamplerRng(1));
        var logits = new float[50];
        for (int i = 0; i < logits.Length; i++) logits[i] = MathF.Sin(i);
        var plain = new CandidateSet(50);
        plain.Load(logits);
        plain.Softmax();

        var candidates = new CandidateSet(50);
        picker.Accept(1); // only one prompt token: no full context yet
        AssertShape(plain, candidates, logits, picker, watermarked: false);
        picker.Accept(2); // generated, after a short context
        AssertShape(plain, candidates, logits, picker, watermarked: true); // context (1, 2), first seen
        picker.Accept(3);
        AssertShape(plain, candidates, logits, picker, watermarked: true); // (2, 3)
        picker.Accept(1);
        AssertShape(plain, candidates, logits, picker, watermarked: true); // (3, 1)
        picker.Accept(2);
        AssertShape(plain, candidates, logits, picker, watermarked: false); // (1, 2) again
        var clone = (TournamentPicker)picker.Clone();
        clone.Accept(3);
        AssertShape(plain, candidates, logits, clone, watermarked: false); // (2, 3) again, remembered by the clone
        picker.Reset();
        picker.Accept(2);
        picker.Accept(3);
        AssertShape(plain, candidates, logits, picker, watermarked: true); // forgotten after Reset
    }

    private static void AssertShape(CandidateSet plain, CandidateSet candidates, float[] logits, TournamentPicker picker, bool watermarked)
    {
        candidates.Load(logits);
        picker.Shape(candidates);
        double difference = 0;
        for (int i = 0; i < logits.Length; i++) difference += Math.Abs(candidates[i].Probability - plain[i].Probability);
        if (watermarked) Assert.True(difference > 0.05, $"L1 distance {difference}: not watermarked");
        else Assert.True(difference < 1e-6, $"L1 distance {difference}: watermarked");
    }

    [Fact]
    public void UniformRandomTokensLookUnwatermarked()
    {
        var detector = new TournamentDetector(new TournamentOptions { Key = Key });
        var rng = new SamplerRng(5);
        var tokens = new int[5_000];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = (int)(rng.NextUInt64() % 32_000);
        var result = detector.Detect(tokens);
        Assert.Equal(4_996, result.ScoredTokens);
        Assert.InRange(result.MeanScore, 0.49, 0.51);
        Assert.True(result.PValue > 1e-4, $"p = {result.PValue}");
        Assert.Equal(WatermarkVerdict.NotWatermarked, result.Verdict);
    }

    [Fact]
    public void BadInputGetsAnHonestVerdict()
    {
        var detector = new TournamentDetector(new TournamentOptions { Key = Key });
        foreach (int[] tokens in new[] { Array.Empty<int>(), [1], [1, 2, 3, 4], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] })
        {
            var result = detector.Detect(tokens);
            Assert.Equal(WatermarkVerdict.Insufficient, result.Verdict);
            Assert.InRange(result.PValue, 0, 1);
        }
        // "a a a a …" has a single context: one scored token.
        Assert.Equal(1, detector.Detect(Enumerable.Repeat(9, 300).ToArray()).ScoredTokens);
    }

    private static int Draw(double[] p, SamplerRng rng)
    {
        double u = rng.NextDouble(), c = 0;
        for (int i = 0; i < p.Length; i++)
        {
            c += p[i];
            if (u < c) return i;
        }
        return p.Length - 1;
    }
}
