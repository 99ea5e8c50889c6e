using Spindle.Tensors.Ops;

namespace Spindle.Tests.Tensors;

public class GgmlSoftmaxTests
{
    /// <summary>
    /// Flushing exps below 2^-100 (for probabilities rounded to F16 next) changes no F16 probability: rows from flat to
    /// sharply peaked, with masked slots and lengths that leave a tail chunk, so that many exps fall in fp32's denormal
    /// range on the general path.
    /// </summary>
    [Fact]
    public void FlushingTinyExpsLeavesEveryF16ProbabilityUnchanged()
    {
        var random = new Random(29);
        int tiny = 0;
        foreach (float spread in new[] { 0.1f, 3f, 30f, 90f, 150f, 400f })
            foreach (int length in new[] { 1, 7, 16, 33, 1000, 4099 })
            {
                var scores = new float[length];
                for (int i = 0; i < length; i++)
                    scores[i] = random.Next(97) == 0 ? float.NegativeInfinity : (float)(random.NextDouble() * spread - spread / 2);
                scores[random.Next(length)] = spread; // at least one finite score
                var general = (float[])scores.Clone();
                var flushed = (float[])scores.Clone();
                GgmlSoftmax.InPlace(general);
                GgmlSoftmax.InPlace(flushed, halfResult: true);
                foreach (float p in general) if (p > 0 && p < 1e-30f) tiny++;
                HalfRounding.RoundInPlace(ref general[0], length);
                HalfRounding.RoundInPlace(ref flushed[0], length);
                for (int i = 0; i < length; i++)
                    Assert.True(BitConverter.SingleToInt32Bits(general[i]) == BitConverter.SingleToInt32Bits(flushed[i]),
                        $"spread {spread} length {length} slot {i}: {general[i]:R} vs {flushed[i]:R}");
            }
        Assert.True(tiny > 1000, $"only {tiny} probabilities below 1e-30: the rows do not reach the flushed range");
    }
}
