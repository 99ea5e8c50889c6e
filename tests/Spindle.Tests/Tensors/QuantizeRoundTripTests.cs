using System.Runtime.InteropServices;
using Spindle.Tensors.Blocks;
namespace Spindle.Tests.Tensors;

public class QuantizeRoundTripTests
{
    public static TheoryData<GgmlType, double> RmsBounds => new()
    {
        // Relative RMS error for normally distributed data with a few 6σ outliers (Q4_0 measures 0.130, Q5_0 0.061: outliers stretch the symmetric scale).
        { GgmlType.Q8_0, 0.01 },
        { GgmlType.Q8_1, 0.01 },
        { GgmlType.Q5_0, 0.08 },
        { GgmlType.Q5_1, 0.05 },
        { GgmlType.Q4_0, 0.16 },
        { GgmlType.Q4_1, 0.10 },
        { GgmlType.IQ4_NL, 0.10 },
    };

    [Theory]
    [MemberData(nameof(RmsBounds))]
    public void RoundTripRelativeRmsErrorIsBounded(GgmlType type, double bound)
    {
        var x = KernelTestData.RandomFloats(new Random(11), 64 * 32, 0.02f);
        var y = RoundTrip(type, x);
        double err = 0, sig = 0;
        for (int i = 0; i < x.Length; i++) { err += Math.Pow(y[i] - x[i], 2); sig += (double)x[i] * x[i]; }
        Assert.True(Math.Sqrt(err / sig) < bound, $"{type}: {Math.Sqrt(err / sig)}");
    }

    [Theory]
    [InlineData(GgmlType.Q8_0, 0.5)]
    [InlineData(GgmlType.Q5_0, 1.0)] // the element of largest magnitude's opposite may clamp: up to one step
    [InlineData(GgmlType.Q4_0, 1.0)]
    [InlineData(GgmlType.Q5_1, 0.5)]
    [InlineData(GgmlType.Q4_1, 0.5)]
    public void RoundTripErrorPerElementIsWithinStepBound(GgmlType type, double steps)
    {
        var x = KernelTestData.RandomFloats(new Random(12), 64 * 32);
        var bytes = KernelTestData.Quantize(type, x);
        var y = new float[x.Length];
        Block32Quantizer.DequantizeRow(type, bytes, y);
        int blockBytes = GgmlTypeInfo.BlockByteLength(type);
        for (int b = 0; b < x.Length / 32; b++)
        {
            // d is stored as fp16 (relative error ≤ 2^-11, times up to 31 steps), and m likewise.
            float d = Math.Abs((float)MemoryMarshal.Read<Half>(bytes.AsSpan(b * blockBytes)));
            float m = type is GgmlType.Q4_1 or GgmlType.Q5_1 ? Math.Abs((float)MemoryMarshal.Read<Half>(bytes.AsSpan(b * blockBytes + 2))) : 0;
            double limit = steps * d + 127 * d / 2048.0 + m / 2048.0 + 1e-6;
            for (int j = 0; j < 32; j++)
                Assert.True(Math.Abs(y[b * 32 + j] - x[b * 32 + j]) <= limit, $"{type} block {b} element {j}: {x[b * 32 + j]} → {y[b * 32 + j]}");
        }
    }

    [Theory]
    [InlineData(GgmlType.Q8_0)]
    [InlineData(GgmlType.Q8_1)]
    [InlineData(GgmlType.Q5_0)]
    [InlineData(GgmlType.Q5_1)]
    [InlineData(GgmlType.Q4_0)]
    [InlineData(GgmlType.Q4_1)]
    [InlineData(GgmlType.IQ4_NL)]
    public void ZeroAndConstantBlocksRoundTrip(GgmlType type)
    {
        var x = new float[96];
        for (int i = 32; i < 64; i++) x[i] = 0.25f;   // constant block: exactly representable by every type
        for (int i = 64; i < 96; i++) x[i] = -1.5f;
        var y = RoundTrip(type, x);
        for (int i = 0; i < 32; i++) Assert.Equal(0f, y[i]);
        for (int i = 32; i < 96; i++) Assert.True(Math.Abs(y[i] - x[i]) <= Math.Abs(x[i]) * 2e-3, $"{type} [{i}] {x[i]} → {y[i]}");
    }

    private static float[] RoundTrip(GgmlType type, float[] x)
    {
        var bytes = new byte[GgmlTypeInfo.ByteLength(type, x.Length)];
        Block32Quantizer.QuantizeRow(type, x, bytes);
        var y = new float[x.Length];
        Block32Quantizer.DequantizeRow(type, bytes, y);
        return y;
    }
}
