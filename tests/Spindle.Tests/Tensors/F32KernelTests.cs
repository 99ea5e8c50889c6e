using System.Runtime.InteropServices;
using Spindle.Tensors.Blocks;
using Spindle.Tensors.Kernels;

namespace Spindle.Tests.Tensors;

/// <summary>The tiled F32 product: right against a double-precision reference, and the same bits for a token in any batch.</summary>
public sealed class F32KernelTests
{
    public static TheoryData<KernelIsa> Isas => KernelTestData.Isas(KernelTestData.AllIsas);

    [Theory]
    [InlineData(1, 1, 8)]
    [InlineData(7, 5, 64)]
    [InlineData(9, 17, 61)]
    [InlineData(4, 3, 3)]
    [InlineData(13, 33, 300)]
    public void MatMulMatchesDoublePrecisionAndEveryBatchGivesTheSameBits(int rows, int tokens, int length)
    {
        var random = new Random(rows * 1000 + tokens * 10 + length);
        float[] w = [.. Enumerable.Range(0, rows * length).Select(_ => (float)(random.NextDouble() * 2 - 1))];
        float[] a = [.. Enumerable.Range(0, tokens * length).Select(_ => (float)(random.NextDouble() * 2 - 1))];
        var kernel = F32Kernel.Instance;
        var all = new float[tokens * rows];
        kernel.MatMul(MemoryMarshal.AsBytes(w.AsSpan()), rows, length, MemoryMarshal.AsBytes(a.AsSpan()), tokens, all, rows);
        for (int t = 0; t < tokens; t++)
        {
            var activation = MemoryMarshal.AsBytes(a.AsSpan(t * length, length));
            var alone = new float[rows];
            kernel.MatMul(MemoryMarshal.AsBytes(w.AsSpan()), rows, length, activation, 1, alone, rows);
            for (int r = 0; r < rows; r++)
            {
                double exact = 0;
                for (int k = 0; k < length; k++) exact += (double)w[r * length + k] * a[t * length + k];
                Assert.Equal(exact, all[t * rows + r], 1e-4 * Math.Sqrt(length));
                // Bit for bit: in the batch, alone, and through Dot.
                Assert.Equal(BitConverter.SingleToInt32Bits(alone[r]), BitConverter.SingleToInt32Bits(all[t * rows + r]));
                float dot = kernel.Dot(MemoryMarshal.AsBytes(w.AsSpan(r * length, length)), activation, length);
                Assert.Equal(BitConverter.SingleToInt32Bits(dot), BitConverter.SingleToInt32Bits(all[t * rows + r]));
            }
        }
    }

    /// <summary>
    /// Every token count from 1 to 20 (so every mix of 4×3, 4×2 and 4×1 tiles), row counts with and without a
    /// remainder after groups of four, rows whose length is and is not a multiple of 8, short (64, the grown models'
    /// gate and up) and long (32768, their down): each result has the bits of <see cref="WeightKernel.Dot"/>, which
    /// is the same on every ISA, and nothing outside the result columns of a strided output is written.
    /// </summary>
    [Theory]
    [MemberData(nameof(Isas))]
    public void EveryTokenCountAndShapeGivesTheBitsOfDot(KernelIsa isa)
    {
        IsaRequirement.SkipUnless(isa);
        var kernel = KernelTestData.Create(GgmlType.F32, isa);
        (int Rows, int Length)[] shapes =
            [(8, 64), (9, 64), (4, 67), (13, 8), (6, 5), (3, 40), (12, 1000), (5, 32768), (8, 32771)];
        const int MaxTokens = 20;
        foreach (var (rows, length) in shapes)
        {
            var random = new Random(rows * 100_003 + length);
            float[] w = KernelTestData.RandomFloats(random, rows * length);
            float[] a = KernelTestData.RandomFloats(random, MaxTokens * length);
            var weights = MemoryMarshal.AsBytes(w.AsSpan());
            var dots = new float[MaxTokens * rows];
            for (int t = 0; t < MaxTokens; t++)
                for (int r = 0; r < rows; r++)
                    dots[t * rows + r] = kernel.Dot(
                        MemoryMarshal.AsBytes(w.AsSpan(r * length, length)), MemoryMarshal.AsBytes(a.AsSpan(t * length, length)), length);
            int stride = rows + 3;
            for (int tokens = 1; tokens <= MaxTokens; tokens++)
            {
                var output = new float[(tokens - 1) * stride + rows + 3];
                output.AsSpan().Fill(float.NaN);
                kernel.MatMul(weights, rows, length, MemoryMarshal.AsBytes(a.AsSpan(0, tokens * length)), tokens, output, stride);
                for (int t = 0; t < tokens; t++)
                {
                    for (int r = 0; r < rows; r++)
                    {
                        int expected = BitConverter.SingleToInt32Bits(dots[t * rows + r]);
                        int actual = BitConverter.SingleToInt32Bits(output[t * stride + r]);
                        Assert.True(expected == actual,
                            $"{isa}: {rows} rows of {length}, {tokens} tokens: row {r} token {t} is {output[t * stride + r]:R}, Dot gives {dots[t * rows + r]:R}");
                    }
                    for (int gap = rows; gap < stride; gap++) Assert.True(float.IsNaN(output[t * stride + gap]), $"{isa}: column {gap} written");
                }
            }
        }
    }

    [Fact]
    public void SharedInstanceUsesTheBestIsa() => Assert.Equal(KernelIsaSupport.Best, F32Kernel.Instance.Isa);
}
