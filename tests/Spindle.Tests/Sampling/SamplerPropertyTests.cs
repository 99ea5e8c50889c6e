using FsCheck;
using FsCheck.Fluent;
using Spindle.Sampling;

namespace Spindle.Tests.Sampling;

/// <summary>Properties over random logits and options (FsCheck).</summary>
public class SamplerPropertyTests
{
    private static Gen<float[]> LogitsGen =>
        Gen.Choose(2, 64).SelectMany(n => Gen.ArrayOf(Gen.Choose(-2000, 2000).Select(x => x / 100f), n));

    [Fact]
    public void Softmax_probabilities_sum_to_one()
    {
        Prop.ForAll(LogitsGen.ToArbitrary(), logits =>
        {
            var set = new CandidateSet(logits.Length);
            set.Load(logits);
            set.Softmax();
            double sum = 0;
            foreach (var c in set.Items) sum += c.Probability;
            return Math.Abs(sum - 1) < 1e-4;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Banned_tokens_are_never_sampled_whatever_the_options()
    {
        var gen =
            from logits in LogitsGen
            from banned in Gen.Choose(0, 1)
            from topK in Gen.Choose(0, 10)
            from topP in Gen.Choose(50, 100)
            from minP in Gen.Choose(0, 30)
            from temp in Gen.Choose(0, 200)
            from mirostat in Gen.Choose(0, 2)
            from seed in Gen.Choose(0, int.MaxValue)
            select (logits, banned, topK, topP, minP, temp, mirostat, seed);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            // Ban the most likely token: the one every filter would otherwise favour.
            int best = Array.IndexOf(t.logits, t.logits.Max());
            var options = new SamplingOptions
            {
                TopK = t.topK, TopP = t.topP / 100f, MinP = t.minP / 100f, Temperature = t.temp / 100f,
                Mirostat = t.mirostat, MirostatTau = 3f, Seed = (ulong)t.seed,
                LogitBias = new Dictionary<int, float> { [best] = float.NegativeInfinity },
            };
            var chain = SamplerChainBuilder.Build(options, t.logits.Length, 512);
            for (int i = 0; i < 5; i++)
            {
                int token = chain.Sample(t.logits);
                if (token == best || token < 0 || token >= t.logits.Length) return false;
                chain.Accept(token);
            }
            return true;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Clones_continue_identically()
    {
        Prop.ForAll(LogitsGen.ToArbitrary(), logits =>
        {
            var options = new SamplingOptions { Temperature = 1f, Mirostat = 2, MirostatTau = 2f, Seed = 7 };
            var chain = SamplerChainBuilder.Build(options, logits.Length, 512);
            chain.Sample(logits);
            var clone = (SamplerChain)chain.Clone();
            for (int i = 0; i < 5; i++)
            {
                if (chain.Sample(logits) != clone.Sample(logits)) return false;
            }
            return true;
        }).QuickCheckThrowOnFailure();
    }
}
