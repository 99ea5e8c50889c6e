using Spindle.Generation;
using Spindle.Sampling;
using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.Generation;

/// <summary>Mirostat v2 holds the text's surprise, measured on the model's raw probabilities, at the target τ.</summary>
public sealed class MirostatGenerationTests(ITestOutputHelper output)
{
    private const float Tau = 3f;

    private static GenerationOptions MirostatOptions(ulong seed) => new()
    {
        MaxTokens = 300,
        Seed = seed,
        // Temperature 1 and no penalties: nothing runs before Mirostat, so it sees the raw distribution.
        Sampling = new SamplingOptions { Mirostat = 2, MirostatTau = Tau, MirostatEta = 0.1f, Temperature = 1f },
    };

    [Fact]
    public void MeanRawSurpriseOf300TokensIsWithin15PercentOfTau()
    {
        using var model = Load(TinyStoriesF16);
        var surprises = new List<double>();
        // A story can end (EOS) before 300 tokens: continue with fresh stories until 300 tokens are in.
        for (ulong seed = 1; surprises.Count < 300; seed++)
        {
            foreach (var chunk in Collect(model.GenerateAsync("Once upon a time", MirostatOptions(seed) with { MaxTokens = 300 - surprises.Count })))
                if (chunk.TokenId >= 0) surprises.Add(-chunk.Logprob / Math.Log(2));
        }
        double mean = surprises.Average();
        output.WriteLine($"mean raw surprise over {surprises.Count} tokens: {mean:F3} bits (τ = {Tau})");
        Assert.InRange(mean, Tau * 0.85, Tau * 1.15);
    }

    [Fact]
    public void MirostatFeedbackUsesTheRawSurpriseAtTemperatureOne()
    {
        using var model = Load(TinyStoriesF16);
        MirostatV2Picker? picker = null;
        var options = MirostatOptions(5) with
        {
            MaxTokens = 40,
            SelectorFactory = (m, o) =>
            {
                var chain = m.CreateSamplerChain(o);
                picker = chain.Stages.OfType<MirostatV2Picker>().Single();
                return new MirostatProbe(chain, picker);
            },
        };
        int steps = 0;
        foreach (var chunk in model.GenerateAsync("Once upon a time", options).ToBlockingEnumerable())
        {
            if (chunk.TokenId < 0) continue;
            var probe = MirostatProbe.Last!;
            // μ moves by η (observed − τ): recover the surprise Mirostat observed and compare with the raw one.
            double observed = (probe.MuBefore - probe.MuAfter) / 0.1 + Tau;
            Assert.Equal(-chunk.Logprob / Math.Log(2), observed, 0.01);
            steps++;
        }
        Assert.True(steps > 5);
    }

    private sealed class MirostatProbe(SamplerChain chain, MirostatV2Picker picker) : ITokenSelector
    {
        public static MirostatProbe? Last;
        public float MuBefore, MuAfter;

        public int Select(ReadOnlySpan<float> logits)
        {
            MuBefore = picker.Mu;
            int token = chain.Sample(logits);
            MuAfter = picker.Mu;
            Last = this;
            return token;
        }

        public void Accept(int token) => chain.Accept(token);
    }
}
