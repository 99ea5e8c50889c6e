using Spindle.Tensors.Blocks;
using Spindle.Tensors.Kernels;
using Spindle.Tensors.Threading;

namespace Spindle.Tests.Tensors;

/// <summary>
/// Matrices a kernel keeps in its interleaved layout (Q4_0 and Q8_0: eight rows per group) give the row-major products bit for
/// bit, dequantize to the same rows, and go through the matmul driver in any chunking.
/// </summary>
public unsafe class InterleavedWeightTests
{
    public static TheoryData<GgmlType, KernelIsa> Cases => KernelTestData.Combinations([GgmlType.Q4_0, GgmlType.Q8_0]);

    public static TheoryData<GgmlType> Types => [GgmlType.Q4_0, GgmlType.Q8_0];

    [Theory]
    [MemberData(nameof(Cases))]
    public void InterleavedProductsAreTheRowMajorOnesBitForBit(GgmlType type, KernelIsa isa)
    {
        IsaRequirement.SkipUnless(isa);
        var kernel = KernelTestData.Create(type, isa);
        Assert.Equal(8, kernel.InterleavedRows);
        var random = new Random(41);
        foreach (var (blocks, rows) in new[] { (1, 8), (3, 5), (7, 16), (9, 13), (49, 37) })
        {
            int n = blocks * 32;
            var weights = KernelTestData.Quantize(type, KernelTestData.RandomFloats(random, rows * n, 0.05f));
            var groups = new byte[kernel.InterleavedByteLength(rows, n)];
            kernel.Interleave(weights, rows, n, groups);
            Assert.Equal(weights.Length + (7 - (rows + 7) % 8) * weights.Length / rows, groups.Length); // as large as the rows, padded to a group
            foreach (int tokens in new[] { 1, 2, 4, 7, 9 })
            {
                var act = new List<byte>();
                for (int t = 0; t < tokens; t++) act.AddRange(KernelTestData.Prepare(kernel, KernelTestData.RandomFloats(random, n, 2f)));
                int stride = rows + 3;
                var rowMajor = new float[tokens * stride];
                var interleaved = new float[tokens * stride];
                kernel.MatMul(weights, rows, n, act.ToArray(), tokens, rowMajor, stride);
                kernel.MatMulInterleaved(groups, rows, n, act.ToArray(), tokens, interleaved, stride, default);
                for (int i = 0; i < rowMajor.Length; i++)
                    Assert.True(BitConverter.SingleToInt32Bits(rowMajor[i]) == BitConverter.SingleToInt32Bits(interleaved[i]),
                        $"blocks={blocks} rows={rows} tokens={tokens} i={i}: {rowMajor[i]:R} vs {interleaved[i]:R}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void InterleavedRowsDequantizeToTheOriginalRows(GgmlType type, KernelIsa isa)
    {
        IsaRequirement.SkipUnless(isa);
        var kernel = KernelTestData.Create(type, isa);
        var random = new Random(43);
        int rows = 13, n = 5 * 32;
        var weights = KernelTestData.Quantize(type, KernelTestData.RandomFloats(random, rows * n));
        var groups = new byte[kernel.InterleavedByteLength(rows, n)];
        kernel.Interleave(weights, rows, n, groups);
        int rowBytes = weights.Length / rows;
        var expected = new float[n];
        var actual = new float[n];
        for (int r = 0; r < rows; r++)
        {
            kernel.DequantizeRow(weights.AsSpan(r * rowBytes, rowBytes), expected);
            kernel.DequantizeInterleavedRow(groups, r, n, actual);
            Assert.Equal(expected, actual);
        }
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void AnInterleavedMatrixThroughTheDriverMatchesTheRowMajorOne(GgmlType type)
    {
        if (WeightKernels.For(type).InterleavedRows == 0) Assert.Skip($"this CPU has no vector path for {type}, so nothing is interleaved");
        var random = new Random(47);
        int rows = 300, n = 8 * 32;
        var weights = KernelTestData.Quantize(type, KernelTestData.RandomFloats(random, rows * n, 0.05f));
        fixed (byte* p = weights)
        {
            var rowMajor = new WeightMatrix("w", p, weights.Length, type, rows, n);
            var interleaved = new WeightMatrix("w", p, weights.Length, type, rows, n, interleave: true);
            Assert.False(rowMajor.IsInterleaved);
            Assert.True(interleaved.IsInterleaved);
            Assert.Throws<InvalidOperationException>(() => interleaved.Rows(0, 1).Length);
            var a = new float[n];
            var b = new float[n];
            rowMajor.DequantizeRow(rows - 1, a);
            interleaved.DequantizeRow(rows - 1, b);
            Assert.Equal(a, b);
            foreach (int threads in new[] { 1, 2, 3 })
            {
                using var pool = new WorkerPool(threads);
                var driver = new MatMulDriver(pool);
                foreach (int tokens in new[] { 1, 5, 64 })
                {
                    var input = KernelTestData.RandomFloats(random, tokens * n);
                    var expected = new float[tokens * rows];
                    var actual = new float[tokens * rows];
                    driver.Multiply(rowMajor, input, n, tokens, expected, 0, rows);
                    driver.Multiply(interleaved, input, n, tokens, actual, 0, rows);
                    Assert.Equal(expected, actual);
                }
            }
        }
    }
}
