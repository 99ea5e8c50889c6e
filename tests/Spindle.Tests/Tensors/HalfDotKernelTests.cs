using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Spindle.Tensors.Blocks;
using Spindle.Tensors.Kernels;
namespace Spindle.Tests.Tensors;

public class HalfDotKernelTests
{
    public static TheoryData<GgmlType, KernelIsa> Cases => KernelTestData.Combinations(KernelTestData.HalfTypes);

    /// <summary>The MatMul tests also cover the scalar path (its own 4-token loop).</summary>
    public static TheoryData<GgmlType, KernelIsa> AllCases => KernelTestData.Combinations(KernelTestData.HalfTypes, KernelTestData.AllIsas);

    public static TheoryData<KernelIsa> VectorIsas => KernelTestData.Isas(KernelTestData.VectorIsas);

    [Theory]
    [MemberData(nameof(Cases))]
    public void VectorDotMatchesScalarForEveryLength(GgmlType type, KernelIsa isa)
    {
        IsaRequirement.SkipUnless(isa);
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

    [Theory]
    [MemberData(nameof(AllCases))]
    public void MatMulMatchesDotPerToken(GgmlType type, KernelIsa isa)
    {
        IsaRequirement.SkipUnless(isa);
        var kernel = KernelTestData.Create(type, isa);
        var random = new Random(23);
        foreach (int n in new[] { 1, 7, 16, 33, 100 })
            foreach (int tokens in new[] { 1, 3, 4, 5, 9 })
            {
                int rows = 3, stride = rows + 1;
                var weights = KernelTestData.Quantize(type, KernelTestData.RandomFloats(random, rows * n));
                var act = KernelTestData.Quantize(type, KernelTestData.RandomFloats(random, tokens * n));
                var output = new float[tokens * stride];
                kernel.MatMul(weights, rows, n, act, tokens, output, stride);
                for (int t = 0; t < tokens; t++)
                    for (int r = 0; r < rows; r++)
                    {
                        float expected = kernel.Dot(weights.AsSpan(r * 2 * n, 2 * n), act.AsSpan(t * 2 * n, 2 * n), n);
                        Assert.True(Math.Abs(expected - output[t * stride + r]) <= 1e-5 * Math.Sqrt(n) + 1e-6,
                            $"{type} {isa} n={n} tokens={tokens}: {expected} vs {output[t * stride + r]}");
                    }
            }
    }

    [Theory]
    [MemberData(nameof(VectorIsas))]
    public void F16VectorWideningIsExactForEveryBitPattern(KernelIsa isa)
    {
        // Includes subnormals, zeros, infinities and NaN: the vector conversion must equal (float)Half bit for bit.
        // Each pattern sits alone (other weights 0) against a one-hot activation, at every lane position in turn.
        IsaRequirement.SkipUnless(isa);
        ushort one = BitConverter.HalfToUInt16Bits((Half)1f);
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

    [Fact]
    public void WideningHelpersAreExactForEveryBitPattern()
    {
        // The 256-bit F16 widening, both BF16 widths and the scalar conversion, on every pattern. These are portable
        // vector operations (no AVX-512 instruction), so they run on any CPU.
        for (int start = 0; start < 65536; start += 16)
        {
            var bits = Vector512.Create((uint)start) + Vector512.Create(0u, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            var narrowLow = F16Widening.ToSingle(bits.GetLower());
            var narrowHigh = F16Widening.ToSingle(bits.GetUpper());
            var bf = BF16Widening.ToSingle(bits);
            var bfNarrow = BF16Widening.ToSingle(bits.GetLower());
            for (int k = 0; k < 16; k++)
            {
                uint pattern = (uint)(start + k);
                Assert.Equal(pattern << 16, BitConverter.SingleToUInt32Bits(bf[k]));
                if (k < 8) Assert.Equal(pattern << 16, BitConverter.SingleToUInt32Bits(bfNarrow[k]));
                float narrow = k < 8 ? narrowLow[k] : narrowHigh[k - 8];
                AssertWidenedExactly(pattern, narrow);
                AssertWidenedExactly(pattern, HalfBits.ToSingle((ushort)pattern));
            }
        }
    }

    [Fact]
    public void F16Avx512WideningIsExactForEveryBitPattern()
    {
        // The 512-bit F16 widening joins two halves with an AVX-512 insert; the F16 kernel prefers the 256-bit loop
        // (see F16Widening.PrefersAvx2), so only this test reaches it.
        IsaRequirement.SkipUnless(KernelIsa.Avx512);
        for (int start = 0; start < 65536; start += 16)
        {
            var bits = Vector512.Create((uint)start) + Vector512.Create(0u, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            var wide = F16Widening.ToSingle(bits);
            for (int k = 0; k < 16; k++) AssertWidenedExactly((uint)(start + k), wide[k]);
        }
    }

    /// <summary>The widened value equals (float)Half bit for bit; NaN payloads are not promised (the cast quiets them,
    /// like vcvtph2ps), but NaN must stay NaN.</summary>
    private static void AssertWidenedExactly(uint pattern, float actual)
    {
        float expected = (float)BitConverter.UInt16BitsToHalf((ushort)pattern);
        if (float.IsNaN(expected)) Assert.True(float.IsNaN(actual), $"pattern 0x{pattern:X4}: NaN widened to {actual}");
        else Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(actual));
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
