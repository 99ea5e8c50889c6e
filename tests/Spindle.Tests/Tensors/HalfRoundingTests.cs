using Spindle.Tensors.Ops;

namespace Spindle.Tests.Tensors;

public sealed class HalfRoundingTests
{
    [Fact]
    public void VectorRoundingEqualsHalfRoundTripOnEdgesAndRandomBits()
    {
        var values = new List<float>
        {
            0f, -0f, 1f, -1f, 65504f, 65519.99f, 65520f, -65520f, 1e9f, float.PositiveInfinity, float.NegativeInfinity,
            6.1035156e-05f, 6.1e-05f, 5.96e-08f, 2.98e-08f, 2.9802322e-08f, 2.9802326e-08f, 1e-12f, -3e-6f,
            1.00048828125f, 1.000732421875f, 1.0009765625f, 2047.5f, 2048.5f, 4095f,
        };
        var random = new Random(1234);
        for (int i = 0; i < 200_000; i++)
        {
            float v = BitConverter.UInt32BitsToSingle((uint)random.NextInt64(0, 1L << 32));
            if (!float.IsNaN(v)) values.Add(v);
        }
        for (int i = 0; i < 100_000; i++) values.Add((float)((random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-30, 20))));
        while (values.Count % 8 != 0) values.Add(0.5f);
        var rounded = values.ToArray();
        HalfRounding.RoundInPlace(ref rounded[0], rounded.Length);
        for (int i = 0; i < values.Count; i++)
        {
            float expected = (float)(Half)values[i];
            Assert.True(BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(rounded[i]),
                $"{values[i]:R}: expected {expected:R}, got {rounded[i]:R}");
        }
    }
}
