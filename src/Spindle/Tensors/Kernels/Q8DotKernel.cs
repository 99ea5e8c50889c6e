using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Runtime.Intrinsics;
using Spindle.Tensors.Blocks;

namespace Spindle.Tensors.Kernels;

/// <summary>
/// Dot products of 32-element weight blocks with Q8_0 (or, for formats with a minimum, Q8_1) activation blocks, as
/// llama.cpp's ggml_vec_dot_*_q8_0/_q8_1: per block an exact integer sum Σ w_i a_i, scaled by d_w * d_a in fp32.
/// The ISA path is fixed at construction. Within one ISA, MatMul sums every (row, token) dot in one order whatever the
/// batch (see Q8DotKernel.Scaled.cs); Dot and the scalar path compute the same integer sums in other fp32 orders.
/// </summary>
internal abstract partial class Q8DotKernel<TBlock, TFormat> : WeightKernel
    where TBlock : unmanaged
    where TFormat : struct, IQ8WeightFormat<TBlock>
{
    private const int BlockLength = 32;

    // Tokens sharing one pass over a weight row in MatMul: each unpacked weight block is reused this many times.
    private const int TokenGroup = 4;

    // Weight bytes per row tile in MatMul: a comfortable share of L2.
    private const int TileBytes = 32 * 1024;

    private readonly KernelIsa _isa;

    protected Q8DotKernel(KernelIsa isa) => _isa = KernelIsaSupport.Require(isa);

    internal KernelIsa Isa => _isa;

    public sealed override GgmlType Type => TFormat.Type;

    public sealed override GgmlType ActivationType => TFormat.HasMinimum ? GgmlType.Q8_1 : GgmlType.Q8_0;

    // Activation block geometry: Q8_0 = {d, qs[32]}, Q8_1 = {d, s, qs[32]}. Forced inline: NativeAOT left these
    // constant getters as two calls per block in the unrolled group loops, 30% of decode speed on a Q4_0 model.
    private static int ActivationBlockBytes
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TFormat.HasMinimum ? 36 : 34;
    }

    private static int ActivationQsOffset
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TFormat.HasMinimum ? 4 : 2;
    }

    public sealed override void DequantizeRow(ReadOnlySpan<byte> row, Span<float> destination) =>
        TFormat.Dequantize(MemoryMarshal.Cast<byte, TBlock>(row), destination);

    public sealed override void PrepareActivation(ReadOnlySpan<float> source, Span<byte> destination)
    {
        if (TFormat.HasMinimum) Q8ActivationQuantizer.QuantizeQ8_1(source, destination);
        else Q8ActivationQuantizer.QuantizeQ8_0(source, destination);
    }

    public sealed override float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<byte> activation, int rowLength)
    {
        int blockCount = rowLength / BlockLength;
        Debug.Assert(row.Length >= blockCount * Unsafe.SizeOf<TBlock>());
        Debug.Assert(activation.Length >= blockCount * ActivationBlockBytes);
        ref byte w = ref MemoryMarshal.GetReference(row);
        ref byte a = ref MemoryMarshal.GetReference(activation);
        return _isa switch
        {
            KernelIsa.Avx512 => DotAvx512(ref w, ref a, blockCount),
            KernelIsa.Avx2 => DotAvx2(ref w, ref a, blockCount),
            _ => DotScalar(row, activation, blockCount),
        };
    }

    public sealed override void MatMul(
        ReadOnlySpan<byte> weightRows, int rowCount, int rowLength,
        ReadOnlySpan<byte> activations, int tokenCount,
        Span<float> output, int outputStride) =>
        MatMul(weightRows, rowCount, rowLength, activations, tokenCount, output, outputStride, default);

    /// <summary>Activation scales d_a, then per block and token S = d_a·Σa (Q8_1) or Σa (Q8_0): [d: tokens × blocks][S: tokens × blocks].</summary>
    public sealed override int AuxiliaryFloats(int rowLength, int tokenCount) =>
        _isa == KernelIsa.Scalar ? 0 : 2 * tokenCount * (rowLength / BlockLength); // the scalar path reads the blocks directly

    public sealed override void PrepareAuxiliary(ReadOnlySpan<byte> activations, int rowLength, int tokenCount, Span<float> auxiliary)
    {
        if (_isa == KernelIsa.Scalar) return;
        int scaleCount = tokenCount * (rowLength / BlockLength);
        Debug.Assert(auxiliary.Length >= 2 * scaleCount && activations.Length >= scaleCount * ActivationBlockBytes);
        ref byte a0 = ref MemoryMarshal.GetReference(activations);
        // Q8_1 carries S = d_a·Σa; for Q8_0 the integer Σa is computed (the nibble-offset formats need it), so every
        // kernel over one activation type derives the same data and a fused product can share it.
        for (int i = 0; i < scaleCount; i++)
        {
            auxiliary[i] = ActivationScale(ref a0, i);
            auxiliary[scaleCount + i] = TFormat.HasMinimum ? ActivationSum(ref a0, i) : ActivationQsSum(ref a0, i);
        }
    }

    public sealed override void MatMul(
        ReadOnlySpan<byte> weightRows, int rowCount, int rowLength,
        ReadOnlySpan<byte> activations, int tokenCount,
        Span<float> output, int outputStride, ReadOnlySpan<float> auxiliary)
    {
        if (_isa == KernelIsa.Scalar)
        {
            base.MatMul(weightRows, rowCount, rowLength, activations, tokenCount, output, outputStride);
            return;
        }

        int blockCount = rowLength / BlockLength;
        int rowBytes = blockCount * Unsafe.SizeOf<TBlock>();
        int activationBytes = blockCount * ActivationBlockBytes;
        Debug.Assert(weightRows.Length >= rowCount * rowBytes);
        Debug.Assert(activations.Length >= tokenCount * activationBytes);
        Debug.Assert(output.Length >= (tokenCount - 1) * outputStride + rowCount);

        // Activation scales and sums widened to fp32 once per product (by the driver) or once per call here, rather
        // than once per weight row; then 32 floats of scratch for the four-token kernel.
        int scaleCount = tokenCount * blockCount;
        bool groups = UsesGroups;
        int ownAuxiliary = auxiliary.IsEmpty ? 2 * scaleCount : 0;
        float[] rented = KernelScratch.Floats(ownAuxiliary + (groups ? GroupScratchFloats(blockCount) : 4 * ScaleGroup));
        if (auxiliary.IsEmpty)
        {
            PrepareAuxiliary(activations, rowLength, tokenCount, rented);
            auxiliary = rented.AsSpan(0, 2 * scaleCount);
        }
        Debug.Assert(auxiliary.Length >= 2 * scaleCount);
        if (groups)
        {
            MatMulRowsAsGroups(weightRows, rowCount, rowBytes, activations, tokenCount, activationBytes, blockCount,
                output, outputStride, auxiliary, rented, ownAuxiliary);
            return;
        }
        ref byte a0 = ref MemoryMarshal.GetReference(activations);
        ref float d0 = ref MemoryMarshal.GetReference(auxiliary);
        ref float s0 = ref Unsafe.Add(ref d0, scaleCount);
        ref float scratch = ref Unsafe.Add(ref MemoryArrayStart(rented), auxiliary.Overlaps(rented) ? 2 * scaleCount : 0);

        Span<float> sums = stackalloc float[TokenGroup];
        int groupedTokens = tokenCount - tokenCount % TokenGroup;
        ref byte w0 = ref MemoryMarshal.GetReference(weightRows);

        // Rows in tiles that stay in L2, token groups outer within a tile: each pass reads the tile's weights from L2
        // and one token group's activations (≤ a few KiB per token) from L1. With rows outermost instead, every row
        // re-read all tokens' activations (hundreds of KiB in a prefill) from L2 or L3.
        int tileRows = Math.Max(1, TileBytes / rowBytes);
        for (int r0 = 0; r0 < rowCount; r0 += tileRows)
        {
            int r1 = Math.Min(rowCount, r0 + tileRows);
            for (int t = 0; t < tokenCount; )
            {
                ref byte at = ref Unsafe.Add(ref a0, t * activationBytes);
                ref float dt = ref Unsafe.Add(ref d0, t * blockCount);
                ref float st = ref Unsafe.Add(ref s0, t * blockCount);
                if (t < groupedTokens)
                {
                    for (int r = r0; r < r1; r++)
                    {
                        Tokens4(_isa, ref Unsafe.Add(ref w0, r * rowBytes), ref at, ref dt, ref st, activationBytes, blockCount, sums, ref scratch);
                        for (int k = 0; k < TokenGroup; k++) output[(t + k) * outputStride + r] = sums[k];
                    }
                    t += TokenGroup;
                }
                else
                {
                    // A token alone (decode) or left over: each row's dot summed in the chains Tokens4 uses, so the
                    // token's result does not depend on the batch it came in. Rows go one at a time: two or four
                    // rows interleaved, tried for instruction-level parallelism, made decode slower (measured
                    // from memory, twice), while the second chain within a row made it faster.
                    for (int r = r0; r < r1; r++)
                        output[t * outputStride + r] = Row1(_isa, ref Unsafe.Add(ref w0, r * rowBytes), ref at, ref dt, ref st, blockCount, ref scratch);
                    t++;
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref float MemoryArrayStart(float[] array) => ref MemoryMarshal.GetArrayDataReference(array);

    // ---- scalar reference ----

    private static float DotScalar(ReadOnlySpan<byte> row, ReadOnlySpan<byte> activation, int blockCount)
    {
        var blocks = MemoryMarshal.Cast<byte, TBlock>(row);
        Span<sbyte> values = stackalloc sbyte[BlockLength];
        float sum = 0;
        for (int b = 0; b < blockCount; b++)
        {
            ref readonly TBlock block = ref blocks[b];
            TFormat.Unpack(in block, values);
            var act = activation.Slice(b * ActivationBlockBytes, ActivationBlockBytes);
            var qs = MemoryMarshal.Cast<byte, sbyte>(act.Slice(ActivationQsOffset, BlockLength));
            int sumi = 0;
            for (int j = 0; j < BlockLength; j++) sumi += values[j] * qs[j];
            float da = (float)MemoryMarshal.Read<Half>(act);
            sum += TFormat.Scale(in block) * da * sumi;
            if (TFormat.HasMinimum) sum += TFormat.Minimum(in block) * (float)MemoryMarshal.Read<Half>(act.Slice(2));
        }
        return sum;
    }

    // ---- helpers shared by the vector paths ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref TBlock BlockAt(ref byte row, int b) =>
        ref Unsafe.As<byte, TBlock>(ref Unsafe.Add(ref row, b * Unsafe.SizeOf<TBlock>()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float ActivationScale(ref byte activation, int b) =>
        HalfBits.ToSingle(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref activation, b * ActivationBlockBytes)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float ActivationSum(ref byte activation, int b) =>
        HalfBits.ToSingle(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref activation, b * ActivationBlockBytes + 2)));

    /// <summary>Σ of block b's 32 activation quants (exact: |Σ| ≤ 32·127).</summary>
    private static int ActivationQsSum(ref byte activation, int b)
    {
        var qs = ActivationQs(ref activation, b);
        var pairs = Avx2.MultiplyAddAdjacent(Vector256.Create((byte)1), qs);
        return Vector256.Sum(Avx2.MultiplyAddAdjacent(pairs, Vector256.Create((short)1)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<sbyte> ActivationQs(ref byte activation, int b) =>
        Vector256.LoadUnsafe(ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref activation, b * ActivationBlockBytes + ActivationQsOffset)));

    /// <summary>Σ w_i a_i over groups of 4 bytes, as 8 int32 lanes. |w|, |a| ≤ 127 keeps maddubs' int16 pair sums from saturating.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> MultiplySumAvx2(Vector256<sbyte> w, Vector256<sbyte> a)
    {
        // maddubs multiplies unsigned by signed bytes: move w's sign onto a.
        var pairs = Avx2.MultiplyAddAdjacent(Avx2.Abs(w), Avx2.Sign(a, w));
        return Avx2.MultiplyAddAdjacent(pairs, Vector256.Create((short)1));
    }

    /// <summary>As <see cref="MultiplySumAvx2"/> for two blocks; AVX-512 has no vpsignb, so a is negated under w's sign mask.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> MultiplySumAvx512(Vector512<sbyte> w, Vector512<sbyte> a)
    {
        var signedA = Vector512.ConditionalSelect(Vector512.LessThan(w, Vector512<sbyte>.Zero), -a, a);
        var pairs = Avx512BW.MultiplyAddAdjacent(Avx512BW.Abs(w), signedA);
        return Avx512BW.MultiplyAddAdjacent(pairs, Vector512.Create((short)1));
    }

    // ---- AVX2: one block per step, two accumulators ----

    private static float DotAvx2(ref byte w, ref byte a, int blockCount)
    {
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        float minimumTerms = 0;
        int b = 0;
        for (; b + 2 <= blockCount; b += 2)
        {
            ref TBlock x0 = ref BlockAt(ref w, b);
            ref TBlock x1 = ref BlockAt(ref w, b + 1);
            var p0 = MultiplySumAvx2(TFormat.Unpack256(in x0), ActivationQs(ref a, b));
            var p1 = MultiplySumAvx2(TFormat.Unpack256(in x1), ActivationQs(ref a, b + 1));
            acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p0), Vector256.Create(TFormat.Scale(in x0) * ActivationScale(ref a, b)), acc0);
            acc1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p1), Vector256.Create(TFormat.Scale(in x1) * ActivationScale(ref a, b + 1)), acc1);
            if (TFormat.HasMinimum)
                minimumTerms += TFormat.Minimum(in x0) * ActivationSum(ref a, b) + TFormat.Minimum(in x1) * ActivationSum(ref a, b + 1);
        }
        if (b < blockCount)
        {
            ref TBlock x = ref BlockAt(ref w, b);
            var p = MultiplySumAvx2(TFormat.Unpack256(in x), ActivationQs(ref a, b));
            acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p), Vector256.Create(TFormat.Scale(in x) * ActivationScale(ref a, b)), acc0);
            if (TFormat.HasMinimum) minimumTerms += TFormat.Minimum(in x) * ActivationSum(ref a, b);
        }
        return Vector256.Sum(acc0 + acc1) + minimumTerms;
    }

    // ---- AVX-512: two blocks per 512-bit step (one per 256-bit half), the odd block through AVX2 ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<sbyte> ActivationQsPair(ref byte activation, int b) =>
        VectorJoin.Join(ActivationQs(ref activation, b), ActivationQs(ref activation, b + 1));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ScalePair(float s0, float s1) =>
        Vector512.Create(Vector256.Create(s0), Vector256.Create(s1));

    private static float DotAvx512(ref byte w, ref byte a, int blockCount)
    {
        var acc0 = Vector512<float>.Zero;
        var acc1 = Vector512<float>.Zero;
        float minimumTerms = 0;
        int b = 0;
        for (; b + 4 <= blockCount; b += 4)
        {
            ref TBlock x0 = ref BlockAt(ref w, b);
            ref TBlock x1 = ref BlockAt(ref w, b + 1);
            ref TBlock x2 = ref BlockAt(ref w, b + 2);
            ref TBlock x3 = ref BlockAt(ref w, b + 3);
            var p01 = MultiplySumAvx512(VectorJoin.Join(TFormat.Unpack256(in x0), TFormat.Unpack256(in x1)), ActivationQsPair(ref a, b));
            var p23 = MultiplySumAvx512(VectorJoin.Join(TFormat.Unpack256(in x2), TFormat.Unpack256(in x3)), ActivationQsPair(ref a, b + 2));
            var s01 = ScalePair(TFormat.Scale(in x0) * ActivationScale(ref a, b), TFormat.Scale(in x1) * ActivationScale(ref a, b + 1));
            var s23 = ScalePair(TFormat.Scale(in x2) * ActivationScale(ref a, b + 2), TFormat.Scale(in x3) * ActivationScale(ref a, b + 3));
            acc0 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(p01), s01, acc0);
            acc1 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(p23), s23, acc1);
            if (TFormat.HasMinimum)
            {
                minimumTerms += TFormat.Minimum(in x0) * ActivationSum(ref a, b) + TFormat.Minimum(in x1) * ActivationSum(ref a, b + 1)
                    + TFormat.Minimum(in x2) * ActivationSum(ref a, b + 2) + TFormat.Minimum(in x3) * ActivationSum(ref a, b + 3);
            }
        }
        float sum = Vector512.Sum(acc0 + acc1) + minimumTerms;
        if (b < blockCount)
            sum += DotAvx2(ref BlockBytes(ref w, b), ref Unsafe.Add(ref a, b * ActivationBlockBytes), blockCount - b);
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref byte BlockBytes(ref byte row, int b) => ref Unsafe.Add(ref row, b * Unsafe.SizeOf<TBlock>());
}
