using System.Runtime.InteropServices;
using Spindle.Tensors.Blocks;
using Spindle.Tensors.Kernels;
namespace Spindle.Tests.Tensors;

/// <summary>Every vector path of the Q8-activation kernels against the scalar reference path.</summary>
public class Q8DotKernelTests
{
    // Up to 3 × (512 bits / 32-element blocks... i.e. 16 blocks) + 1 blocks, as STYLE.md asks for lengths up to 3×V512+1.
    private const int MaxBlocks = 3 * 16 + 1;

    public static TheoryData<GgmlType, KernelIsa> Cases => KernelTestData.Combinations(KernelTestData.Q8DotTypes);

    /// <summary>The MatMul tests also cover the scalar path.</summary>
    public static TheoryData<GgmlType, KernelIsa> AllCases => KernelTestData.Combinations(KernelTestData.Q8DotTypes, KernelTestData.AllIsas);

    public static TheoryData<GgmlType> Types
    {
        get
        {
            var data = new TheoryData<GgmlType>();
            foreach (var t in KernelTestData.Q8DotTypes) data.Add(t);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void VectorDotMatchesScalarWithinRounding(GgmlType type, KernelIsa isa)
    {
        IsaRequirement.SkipUnless(isa);
        var scalar = KernelTestData.Create(type, KernelIsa.Scalar);
        var vector = KernelTestData.Create(type, isa);
        var random = new Random(1234 + (int)type);
        for (int blocks = 1; blocks <= MaxBlocks; blocks++)
        {
            int n = blocks * 32;
            var weights = KernelTestData.Quantize(type, KernelTestData.RandomFloats(random, n, 0.05f));
            var activation = KernelTestData.Prepare(scalar, KernelTestData.RandomFloats(random, n, 2f));
            float expected = scalar.Dot(weights, activation, n);
            float actual = vector.Dot(weights, activation, n);
            double magnitude = AbsoluteDot(scalar, weights, activation, n);
            Assert.True(Math.Abs(expected - actual) <= 1e-5 * magnitude + 1e-6,
                $"{type} {isa} n={n}: scalar {expected} vs {actual} (|terms| {magnitude})");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void VectorIntegerSumsAreExact(GgmlType type, KernelIsa isa)
    {
        // With every scale 1 and every minimum 0 the fp32 result is the integer Σ w·a itself (all partial sums < 2^24),
        // so any unpacking or multiply-add mistake shows as an exact mismatch.
        IsaRequirement.SkipUnless(isa);
        var scalar = KernelTestData.Create(type, KernelIsa.Scalar);
        var vector = KernelTestData.Create(type, isa);
        var random = new Random(99 + (int)type);
        for (int blocks = 1; blocks <= MaxBlocks; blocks++)
        {
            int n = blocks * 32;
            var weights = UnitScaleBlocks(type, blocks, random);
            var activation = KernelTestData.Prepare(scalar, KernelTestData.RandomFloats(random, n, 3f));
            SetActivationScalesToOne(scalar.ActivationType, activation);
            float expected = scalar.Dot(weights, activation, n);
            Assert.Equal(expected, MathF.Round(expected));
            Assert.Equal(expected, vector.Dot(weights, activation, n));
        }
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void ScalarDotMatchesDequantizedDot(GgmlType type)
    {
        var kernel = KernelTestData.Create(type, KernelIsa.Scalar);
        var random = new Random(7);
        int n = 7 * 32;
        var weights = KernelTestData.Quantize(type, KernelTestData.RandomFloats(random, n));
        var activation = KernelTestData.Prepare(kernel, KernelTestData.RandomFloats(random, n));
        var w = new float[n];
        var a = new float[n];
        kernel.DequantizeRow(weights, w);
        Block32Quantizer.DequantizeRow(kernel.ActivationType, activation, a);
        double expected = 0, magnitude = 0;
        for (int i = 0; i < n; i++) { expected += (double)w[i] * a[i]; magnitude += Math.Abs((double)w[i] * a[i]); }
        // Q8_1's S is fp16(d·Σq): the only inexact input, relative error ≤ 2^-11 of each block's m·S.
        Assert.True(Math.Abs(expected - kernel.Dot(weights, activation, n)) <= 2e-3 * magnitude, $"{type}");
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void MatMulMatchesDotPerToken(GgmlType type, KernelIsa isa)
    {
        IsaRequirement.SkipUnless(isa);
        var kernel = KernelTestData.Create(type, isa);
        var random = new Random(5);
        foreach (int blocks in new[] { 1, 2, 3, 7, 8, 9, 16, 17, 49 })
        {
            int n = blocks * 32, rows = 5;
            foreach (int tokens in new[] { 1, 3, 4, 5, 8, 11 })
            {
                var weights = KernelTestData.Quantize(type, KernelTestData.RandomFloats(random, rows * n));
                var activations = new List<byte>();
                for (int t = 0; t < tokens; t++) activations.AddRange(KernelTestData.Prepare(kernel, KernelTestData.RandomFloats(random, n)));
                var act = activations.ToArray();
                int stride = rows + 2;
                var output = new float[tokens * stride];
                kernel.MatMul(weights, rows, n, act, tokens, output, stride);
                int rowBytes = weights.Length / rows, actBytes = act.Length / tokens;
                for (int t = 0; t < tokens; t++)
                    for (int r = 0; r < rows; r++)
                    {
                        var wRow = weights.AsSpan(r * rowBytes, rowBytes);
                        var aRow = act.AsSpan(t * actBytes, actBytes);
                        float expected = kernel.Dot(wRow, aRow, n);
                        double magnitude = AbsoluteDot(kernel, wRow.ToArray(), aRow.ToArray(), n);
                        Assert.True(Math.Abs(expected - output[t * stride + r]) <= 1e-5 * magnitude + 1e-6,
                            $"{type} {isa} n={n} tokens={tokens} t={t} r={r}: {expected} vs {output[t * stride + r]}");
                    }
            }
        }
    }

    /// <summary>
    /// A token's outputs are bit for bit the same whether MatMul gets it in a batch of T tokens (groups of four, then
    /// leftovers) or alone (decode): prefill and token-by-token decode must agree exactly, because the next layer
    /// re-quantizes activations to 8 bits and an ulp can become a whole quantization step. Row counts cover groups of
    /// four rows, leftover rows, and several L2 row tiles.
    /// </summary>
    [Theory]
    [MemberData(nameof(AllCases))]
    public void MatMulGivesATokenTheSameBitsInAnyBatch(GgmlType type, KernelIsa isa)
    {
        IsaRequirement.SkipUnless(isa);
        var kernel = KernelTestData.Create(type, isa);
        var random = new Random(17 + (int)type);
        foreach (var (blocks, rows) in new[] { (1, 5), (7, 4), (8, 9), (9, 3), (17, 6), (49, 37) })
        {
            int n = blocks * 32;
            var weights = KernelTestData.Quantize(type, KernelTestData.RandomFloats(random, rows * n, 0.05f));
            for (int tokens = 1; tokens <= 9; tokens++)
            {
                var activations = new List<byte>();
                for (int t = 0; t < tokens; t++) activations.AddRange(KernelTestData.Prepare(kernel, KernelTestData.RandomFloats(random, n, 2f)));
                var act = activations.ToArray();
                int actBytes = act.Length / tokens;
                var batched = new float[tokens * rows];
                kernel.MatMul(weights, rows, n, act, tokens, batched, rows);
                var alone = new float[rows];
                for (int t = 0; t < tokens; t++)
                {
                    kernel.MatMul(weights, rows, n, act.AsSpan(t * actBytes, actBytes), 1, alone, rows);
                    for (int r = 0; r < rows; r++)
                    {
                        float inBatch = batched[t * rows + r];
                        Assert.True(BitConverter.SingleToInt32Bits(inBatch) == BitConverter.SingleToInt32Bits(alone[r]),
                            $"{type} {isa} blocks={blocks} rows={rows} tokens={tokens} t={t} r={r}: batched {inBatch:R} vs alone {alone[r]:R}");
                    }
                }
            }
        }
    }

    [Fact]
    public void ActivationQuantizationRoundsHalfToEvenWithMultiplier127OverMax()
    {
        // amax = 127 makes id = 1, so the quants are the inputs rounded: llama.cpp's x86 path rounds ties to even.
        var x = new float[32];
        x[0] = 127; x[1] = 0.5f; x[2] = 1.5f; x[3] = 2.5f; x[4] = -2.5f; x[5] = -0.5f;
        var q8 = new byte[34];
        Q8ActivationQuantizer.QuantizeQ8_0(x, q8);
        var block = MemoryMarshal.Cast<byte, BlockQ8_0>(q8)[0];
        Assert.Equal((Half)1f, block.D);
        Assert.Equal(new sbyte[] { 127, 0, 2, 2, -2, 0 }, ((ReadOnlySpan<sbyte>)block.Qs).Slice(0, 6).ToArray());

        // The file-writing reference uses roundf (ties away from zero).
        var reference = new BlockQ8_0[1];
        BlockQ8_0.QuantizeReference(x, reference);
        Assert.Equal(new sbyte[] { 127, 1, 2, 3, -3, -1 }, ((ReadOnlySpan<sbyte>)reference[0].Qs).Slice(0, 6).ToArray());
    }

    [Fact]
    public void Q8_1ActivationSumUsesUnroundedScale()
    {
        var random = new Random(3);
        var x = KernelTestData.RandomFloats(random, 64);
        var bytes = new byte[72];
        Q8ActivationQuantizer.QuantizeQ8_1(x, bytes);
        var blocks = MemoryMarshal.Cast<byte, BlockQ8_1>(bytes);
        for (int b = 0; b < 2; b++)
        {
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = MathF.Max(amax, MathF.Abs(x[b * 32 + j]));
            int sum = 0;
            foreach (sbyte q in (ReadOnlySpan<sbyte>)blocks[b].Qs) sum += q;
            Assert.Equal((Half)(amax / 127f * sum), blocks[b].S);
        }
    }

    private static double AbsoluteDot(WeightKernel kernel, byte[] weights, byte[] activation, int n)
    {
        var w = new float[n];
        var a = new float[n];
        kernel.DequantizeRow(weights, w);
        Block32Quantizer.DequantizeRow(kernel.ActivationType, activation, a);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.Abs((double)w[i] * a[i]);
        if (kernel.ActivationType == GgmlType.Q8_1)
        {
            // m·S terms: bounded by |m|·|S| per block, already inside Σ|w·a| up to the spread of w; add them explicitly.
            var act = MemoryMarshal.Cast<byte, BlockQ8_1>(activation);
            for (int b = 0; b < act.Length; b++) sum += Math.Abs((float)act[b].S) * 50;
        }
        return sum;
    }

    /// <summary>Random quants with d = 1 and m = 0 for every block.</summary>
    private static byte[] UnitScaleBlocks(GgmlType type, int blocks, Random random)
    {
        int blockBytes = GgmlTypeInfo.BlockByteLength(type);
        var bytes = new byte[blocks * blockBytes];
        random.NextBytes(bytes);
        var one = BitConverter.HalfToUInt16Bits((Half)1f);
        for (int b = 0; b < blocks; b++)
        {
            var block = bytes.AsSpan(b * blockBytes, blockBytes);
            BitConverter.TryWriteBytes(block, one);
            if (type is GgmlType.Q4_1 or GgmlType.Q5_1) BitConverter.TryWriteBytes(block.Slice(2), (ushort)0);
            if (type == GgmlType.Q8_0)
                for (int j = 2; j < blockBytes; j++) if (block[j] == 0x80) block[j] = 0x81; // -128 never occurs in ggml Q8_0
        }
        return bytes;
    }

    private static void SetActivationScalesToOne(GgmlType activationType, byte[] activation)
    {
        int blockBytes = GgmlTypeInfo.BlockByteLength(activationType);
        var one = BitConverter.HalfToUInt16Bits((Half)1f);
        for (int b = 0; b < activation.Length / blockBytes; b++)
            BitConverter.TryWriteBytes(activation.AsSpan(b * blockBytes), one);
    }
}
