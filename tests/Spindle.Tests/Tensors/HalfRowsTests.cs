using Spindle.Tensors.Ops;

namespace Spindle.Tests.Tensors;

public class HalfRowsTests
{
    /// <summary>Every finite fp16 bit pattern (zeros and subnormals included) widens exactly, alone, in a row, and inside the fused dot and scaled add.</summary>
    [Fact]
    public void WideningIsExactForEveryFiniteValue()
    {
        var bits = new List<ushort>();
        for (int b = 0; b < 65536; b++)
            if (!Half.IsNaN(BitConverter.UInt16BitsToHalf((ushort)b)) && !Half.IsInfinity(BitConverter.UInt16BitsToHalf((ushort)b))) bits.Add((ushort)b);
        var source = bits.ToArray();
        var widened = new float[source.Length];
        HalfRows.Widen(ref source[0], ref widened[0], source.Length);
        for (int i = 0; i < source.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits((float)BitConverter.UInt16BitsToHalf(source[i])) == BitConverter.SingleToInt32Bits(widened[i]),
                $"0x{source[i]:X4}: {widened[i]:R}");

        // The fused forms equal HeadVectors over the widened rows bit for bit, for head sizes with and without tails.
        var random = new Random(3);
        foreach (int length in new[] { 8, 16, 24, 64, 72, 128, 131 })
        {
            var x = new float[length];
            var half = new ushort[length];
            for (int i = 0; i < length; i++)
            {
                x[i] = (float)(random.NextDouble() * 4 - 2);
                half[i] = source[random.Next(source.Length)];
            }
            var wide = new float[length];
            HalfRows.Widen(ref half[0], ref wide[0], length);
            Assert.Equal(HeadVectors.Dot(ref x[0], ref wide[0], length), HalfRows.Dot(ref x[0], ref half[0], length));
            var expected = (float[])x.Clone();
            var actual = (float[])x.Clone();
            HeadVectors.MultiplyAdd(ref wide[0], 0.37f, ref expected[0], length);
            HalfRows.MultiplyAdd(ref half[0], 0.37f, ref actual[0], length);
            Assert.Equal(expected, actual);
        }
    }
}
