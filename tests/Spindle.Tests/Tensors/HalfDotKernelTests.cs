using System.Runtime.InteropServices;
using Spindle.Tensors;

namespace Spindle.Tests.Tensors;

public class HalfDotKernelTests
{
    public static TheoryData<GgmlType, KernelIsa> Cases => KernelTestData.Combinations(KernelTestData.HalfTypes);

    [Theory]
    [MemberData(nameof(Cases))]
    public void VectorDotMatchesScalarForEveryLength(GgmlType type, KernelIsa isa)
    {
        if (!KernelIsaSupport.IsSupported(isa)) return;
        var scalar = KernelTestData.Create(type, KernelIsa.Scalar);
        var vector = KernelTestData.Create(type, isa);
        var random = new Random(17);
        for (int n = 0; n <= 3 * 32 + 1; n++)
        {
            var weights = KernelTestData.Quantize(type, KernelTestData.RandomFloats(random, n));
            var activation = KernelTestData.Prepare(scalar, KernelTestData.RandomFloats(random, n));
            var w = new float[n];
            var a = new float[n];
            scalar.DequantizeRow(weights, w);
            scalar.DequantizeRow(activation, a);
            double magnitude = 0;
            for (int i = 0; i < n; i++) magnitude += Math.Abs((double)w[i] * a[i]);
            float expected = scalar.Dot(weights, activation, n);
            float actual = vector.Dot(weights, activation, n);
            Assert.True(Math.Abs(expected - actual) <= 1e-6 * magnitude + 1e-7, $"{type} {isa} n={n}: {expected} vs {actual}");
        }
    }

    [Fact]
    public void F16VectorWideningIsExactForEveryBitPattern()
    {
        // Includes subnormals, zeros, infinities and NaN: the vector conversion must equal (float)Half bit for bit.
        // Each pattern sits alone (other weights 0) against a one-hot activation, at every lane position in turn.
        ushort one = BitConverter.HalfToUInt16Bits((Half)1f);
        foreach (var isa in KernelTestData.VectorIsas)
        {
            if (!KernelIsaSupport.IsSupported(isa)) continue;
            var kernel = KernelTestData.Create(GgmlType.F16, isa);
            var w = new ushort[32];
            var a = new ushort[32];
            for (int v = 0; v < 65536; v++)
            {
                int k = v % 32;
                Array.Clear(w);
                Array.Clear(a);
                w[k] = (ushort)v;
                a[k] = one;
                float expected = (float)BitConverter.UInt16BitsToHalf((ushort)v);
                float actual = kernel.Dot(MemoryMarshal.AsBytes(w.AsSpan()), MemoryMarshal.AsBytes(a.AsSpan()), 32);
                if (float.IsNaN(expected)) Assert.True(float.IsNaN(actual));
                else Assert.Equal(BitConverter.SingleToInt32Bits(expected + 0f), BitConverter.SingleToInt32Bits(actual + 0f));
            }
        }
    }

    [Fact]
    public void BF16ConversionRoundsToNearestEvenLikeGgml()
    {
        var kernel = KernelTestData.Create(GgmlType.BF16, KernelIsa.Scalar);
        float[] x = [BitConverter.UInt32BitsToSingle(0x3F808000), BitConverter.UInt32BitsToSingle(0x3F818000), BitConverter.UInt32BitsToSingle(0x3F808001)];
        var bytes = new byte[6];
        kernel.PrepareActivation(x, bytes);
        Assert.Equal((ushort)0x3F80, BitConverter.ToUInt16(bytes, 0)); // tie, even stays
        Assert.Equal((ushort)0x3F82, BitConverter.ToUInt16(bytes, 2)); // tie, odd rounds up
        Assert.Equal((ushort)0x3F81, BitConverter.ToUInt16(bytes, 4)); // above the tie
    }
}
