using System.Runtime.InteropServices;
using Spindle.Tensors.Blocks;
using Spindle.Tensors.Kernels;
namespace Spindle.Tests.Tensors;

/// <summary>
/// Every SIMD tier of every K-quant kernel against the scalar reference, for rows of 1..13 blocks (256..3328 weights),
/// on weights from the reference quantizer and on raw random block bytes (every bit pattern the format allows).
/// </summary>
public sealed class KQuantKernelTests
{
    public static TheoryData<GgmlType, string> TypesAndTiers()
    {
        var data = new TheoryData<GgmlType, string>();
        foreach (var t in KQuantReferences.WeightTypes)
            foreach (var isa in new[] { KernelIsa.Scalar, KernelIsa.Avx2, KernelIsa.Avx512 })
                data.Add(t, isa.ToString());
        return data;
    }

    private static KQuantKernel Kernel(GgmlType type) => (KQuantKernel)WeightKernels.For(type);

    private static KQuantKernel Kernel(GgmlType type, KernelIsa isa) => (KQuantKernel)WeightKernels.Create(type, isa);

    /// <summary>Byte offsets of the half-precision scales of each block type, so raw random blocks get sane ones.</summary>
    private static int[] HalfOffsets(GgmlType type) => type switch
    {
        GgmlType.Q2_K => [80, 82],
        GgmlType.Q3_K => [108],
        GgmlType.Q4_K or GgmlType.Q5_K => [0, 2],
        GgmlType.Q6_K => [208],
        GgmlType.IQ4_XS => [0],
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    internal static byte[] RandomBlocks(GgmlType type, int blocks, Random rng)
    {
        int blockBytes = GgmlTypeInfo.BlockByteLength(type);
        var bytes = new byte[blocks * blockBytes];
        rng.NextBytes(bytes);
        for (int b = 0; b < blocks; b++)
            foreach (int offset in HalfOffsets(type))
                MemoryMarshal.Write(bytes.AsSpan(b * blockBytes + offset), (Half)(rng.NextSingle() * 0.02f + 0.001f));
        return bytes;
    }

    internal static float[] RandomFloats(int n, Random rng)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (rng.NextSingle() - 0.5f) * 2 + (i % 17 == 0 ? 3f : 0f);
        return x;
    }

    private static byte[] QuantizeActivation(float[] x)
    {
        var y = new byte[GgmlTypeInfo.ByteLength(GgmlType.Q8_K, x.Length)];
        Q8_KReference.Quantize(x, y);
        return y;
    }

    /// <summary>Σ|weight·activation| over dequantized values: the scale float rounding differences are measured against.</summary>
    private static double Magnitude(GgmlType type, byte[] row, byte[] activation, int n)
    {
        var w = new float[n];
        var a = new float[n];
        KQuantReferences.Dequantize(type)(row, w);
        Q8_KReference.Dequantize(activation, a);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.Abs((double)w[i] * a[i]);
        return sum;
    }

    [Theory]
    [MemberData(nameof(TypesAndTiers))]
    public void TierMatchesScalarReferenceOnRandomBlocks(GgmlType type, string tier)
    {
        var isa = Enum.Parse<KernelIsa>(tier);
        // A missing tier shows as skipped (constructing its kernel would refuse).
        IsaRequirement.SkipUnless(isa);
        var rng = new Random(1234 + (int)type);
        var kernel = Kernel(type, isa);
        for (int blocks = 1; blocks <= 13; blocks++)
        {
            int n = blocks * 256;
            var row = RandomBlocks(type, blocks, rng);
            var act = QuantizeActivation(RandomFloats(n, rng));
            float expected = KQuantReferences.Dot(type)(row, act);
            float actual = kernel.Dot(row, act, n);
            double tolerance = 1e-5 * Magnitude(type, row, act, n) + 1e-6;
            Assert.True(Math.Abs(actual - expected) <= tolerance, $"{type} {isa} blocks {blocks}: {actual} vs {expected}");
        }
    }

    [Theory]
    [MemberData(nameof(TypesAndTiers))]
    public void TierMatchesScalarReferenceOnQuantizedWeights(GgmlType type, string tier)
    {
        var isa = Enum.Parse<KernelIsa>(tier);
        // A missing tier shows as skipped (constructing its kernel would refuse).
        IsaRequirement.SkipUnless(isa);
        var rng = new Random(99 + (int)type);
        var kernel = Kernel(type, isa);
        for (int blocks = 1; blocks <= 13; blocks++)
        {
            int n = blocks * 256;
            var row = new byte[GgmlTypeInfo.ByteLength(type, n)];
            KQuantReferences.Quantize(type)(RandomFloats(n, rng), row);
            var act = QuantizeActivation(RandomFloats(n, rng));
            float expected = KQuantReferences.Dot(type)(row, act);
            float actual = kernel.Dot(row, act, n);
            double tolerance = 1e-5 * Magnitude(type, row, act, n) + 1e-6;
            Assert.True(Math.Abs(actual - expected) <= tolerance, $"{type} {isa} blocks {blocks}: {actual} vs {expected}");
        }
    }

    /// <summary>The reference dot product itself equals the dot of the dequantized operands (up to float rounding).</summary>
    [Theory]
    [MemberData(nameof(KQuantReferences.WeightTypesData), MemberType = typeof(KQuantReferences))]
    public void ReferenceDotEqualsDotOfDequantizedValues(GgmlType type)
    {
        var rng = new Random(7 + (int)type);
        for (int blocks = 1; blocks <= 5; blocks++)
        {
            int n = blocks * 256;
            var row = RandomBlocks(type, blocks, rng);
            var act = QuantizeActivation(RandomFloats(n, rng));
            var w = new float[n];
            var a = new float[n];
            KQuantReferences.Dequantize(type)(row, w);
            Q8_KReference.Dequantize(act, a);
            double expected = 0;
            for (int i = 0; i < n; i++) expected += (double)w[i] * a[i];
            float actual = KQuantReferences.Dot(type)(row, act);
            Assert.True(Math.Abs(actual - expected) <= 1e-5 * Magnitude(type, row, act, n) + 1e-6, $"{type} blocks {blocks}: {actual} vs {expected}");
        }
    }

    [Theory]
    [MemberData(nameof(TypesAndTiers))]
    public void MatMulEqualsRowByRowDots(GgmlType type, string tier)
    {
        var isa = Enum.Parse<KernelIsa>(tier);
        // A missing tier shows as skipped (constructing its kernel would refuse).
        IsaRequirement.SkipUnless(isa);
        var rng = new Random(5 + (int)type);
        var kernel = Kernel(type, isa);
        const int rows = 37, tokens = 9, blocks = 3, n = blocks * 256, stride = rows + 3;
        var weights = RandomBlocks(type, rows * blocks, rng);
        int rowBytes = blocks * GgmlTypeInfo.BlockByteLength(type);
        int actBytes = blocks * BlockQ8_K.ByteLength;
        var acts = new byte[tokens * actBytes];
        for (int t = 0; t < tokens; t++)
            kernel.PrepareActivation(RandomFloats(n, rng), acts.AsSpan(t * actBytes, actBytes));
        var output = new float[tokens * stride];
        kernel.MatMul(weights, rows, n, acts, tokens, output, stride);
        for (int t = 0; t < tokens; t++)
            for (int r = 0; r < rows; r++)
            {
                var row = weights.AsSpan(r * rowBytes, rowBytes);
                var act = acts.AsSpan(t * actBytes, actBytes);
                float dot = kernel.Dot(row, act, n);
                if (kernel.InterleavedRows == 0)
                    Assert.Equal(dot, output[t * stride + r]);
                else // eight rows per vector sum a block's terms in another order (batch invariance is tested below)
                    Assert.True(Math.Abs(dot - output[t * stride + r]) <= 1e-5 * Magnitude(type, row.ToArray(), act.ToArray(), n) + 1e-6,
                        $"{type} {tier} t={t} r={r}: {dot} vs {output[t * stride + r]}");
            }
    }

    /// <summary>
    /// A token's outputs are bit for bit the same whatever batch MatMul gets it in (groups of four tokens, leftovers,
    /// alone), and an interleaved copy of the rows gives the same bits as the rows themselves.
    /// </summary>
    [Theory]
    [MemberData(nameof(TypesAndTiers))]
    public void MatMulGivesATokenTheSameBitsInAnyBatch(GgmlType type, string tier)
    {
        var isa = Enum.Parse<KernelIsa>(tier);
        IsaRequirement.SkipUnless(isa);
        var rng = new Random(11 + (int)type);
        var kernel = Kernel(type, isa);
        const int rows = 21, tokens = 7, blocks = 2, n = blocks * 256;
        var weights = RandomBlocks(type, rows * blocks, rng);
        int actBytes = blocks * BlockQ8_K.ByteLength;
        var acts = new byte[tokens * actBytes];
        for (int t = 0; t < tokens; t++)
            kernel.PrepareActivation(RandomFloats(n, rng), acts.AsSpan(t * actBytes, actBytes));
        var batched = new float[tokens * rows];
        kernel.MatMul(weights, rows, n, acts, tokens, batched, rows);
        var alone = new float[rows];
        for (int t = 0; t < tokens; t++)
        {
            kernel.MatMul(weights, rows, n, acts.AsSpan(t * actBytes, actBytes), 1, alone, rows);
            for (int r = 0; r < rows; r++)
                Assert.True(BitConverter.SingleToInt32Bits(batched[t * rows + r]) == BitConverter.SingleToInt32Bits(alone[r]),
                    $"{type} {tier} t={t} r={r}: batched {batched[t * rows + r]:R} vs alone {alone[r]:R}");
        }
        if (kernel.InterleavedRows == 0) return;
        var groups = new byte[kernel.InterleavedByteLength(rows, n)];
        kernel.Interleave(weights, rows, n, groups);
        var interleaved = new float[tokens * rows];
        kernel.MatMulInterleaved(groups, rows, n, acts, tokens, interleaved, rows, default);
        Assert.Equal(batched, interleaved);
        var expected = new float[n];
        var actual = new float[n];
        int rowBytes = weights.Length / rows;
        for (int r = 0; r < rows; r++)
        {
            kernel.DequantizeRow(weights.AsSpan(r * rowBytes, rowBytes), expected);
            kernel.DequantizeInterleavedRow(groups, r, n, actual);
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void RegisteredKernelsComputeWithQ8_KActivations()
    {
        foreach (var type in KQuantReferences.WeightTypes)
        {
            var kernel = WeightKernels.For(type);
            Assert.Equal(type, kernel.Type);
            Assert.Equal(GgmlType.Q8_K, kernel.ActivationType);
        }
    }

    [Fact]
    public void DotRejectsRowLengthsThatAreNotWholeBlocks()
    {
        var kernel = WeightKernels.For(GgmlType.Q4_K);
        var row = new byte[144];
        var act = new byte[292];
        Assert.Throws<ArgumentException>(() => kernel.Dot(row, act, 255));
        Assert.Throws<ArgumentException>(() => kernel.Dot(row, act, 512));
    }
}
