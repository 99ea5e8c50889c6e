using System.Runtime.InteropServices;
using Spindle.Tensors.Kernels;

namespace Spindle.Tests.Tensors;

/// <summary>The tiled F32 product: right against a double-precision reference, and the same bits for a token in any batch.</summary>
public sealed class F32KernelTests
{
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
}
