using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Spindle.Tensors.Kernels;

/// <summary>
/// The MatMul paths of formats other than Q4_0 and Q8_0 (those have their own, Q8DotKernel.Groups.cs): activation scales arrive pre-widened (fp32, one per block per token) and weight scales are
/// widened eight blocks at a time with vector integer ops, so a block costs its integer dot product plus one FMA.
/// TFormat blocks start with fp16 d, and formats with a minimum keep fp16 m right after it.
/// Every AVX2 path computes each (row, token) dot in the same two accumulator chains over the blocks in the same order,
/// with the same d_w·d_a products and the same final reduction, so a token gets bit-identical results whether it
/// arrives in a prompt batch (<see cref="Tokens4Avx2"/>), alone (<see cref="Row1Avx2"/>) or beside other sequences. Otherwise an ulp of difference, re-quantized to
/// 8 bits in the next layer's activations, grows into whole quantization steps. Prefill gets its instruction-level
/// parallelism from the four tokens in flight; decode is bound by reading the weights, not by the chain's latency.
/// </summary>
internal abstract partial class Q8DotKernel<TBlock, TFormat>
{
    private const int ScaleGroup = 8;

    /// <summary>One weight row against the four tokens at <paramref name="a"/> (stride <paramref name="activationBytes"/>).</summary>
    private static void Tokens4(KernelIsa isa, ref byte w, ref byte a, ref float d, ref float s,
        int activationBytes, int blockCount, Span<float> sums, ref float scratch)
    {
        if (isa == KernelIsa.Avx512) Tokens4Avx512(ref w, ref a, ref d, ref s, activationBytes, blockCount, sums);
        else Tokens4Avx2(ref w, ref a, ref d, ref s, activationBytes, blockCount, sums, ref scratch);
    }

    private static float Row1(KernelIsa isa, ref byte w, ref byte a, ref float d, ref float s, int blockCount, ref float scratch) =>
        isa == KernelIsa.Avx512 ? Row1Avx512(ref w, ref a, ref d, ref s, blockCount) : Row1Avx2(ref w, ref a, ref d, ref s, blockCount, ref scratch);

    /// <summary>fp16 fields at <paramref name="offset"/> of blocks b..b+7, widened to fp32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> BlockHalves8(ref byte w, int b, int offset)
    {
        int size = Unsafe.SizeOf<TBlock>();
        ref byte first = ref Unsafe.Add(ref w, b * size + offset);
        var bits = Vector128.Create(
            Unsafe.ReadUnaligned<ushort>(ref first),
            Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref first, size)),
            Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref first, 2 * size)),
            Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref first, 3 * size)),
            Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref first, 4 * size)),
            Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref first, 5 * size)),
            Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref first, 6 * size)),
            Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref first, 7 * size)));
        return F16Widening.ToSingle(Avx2.ConvertToVector256Int32(bits).AsUInt32());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> BlockProducts(ref byte w, ref byte a, int b) =>
        Avx.ConvertToVector256Single(MultiplySumAvx2(TFormat.Unpack256(in BlockAt(ref w, b)), ActivationQs(ref a, b)));

    /// <summary>Block b's integer products Σ w_i a_i with activation quants <paramref name="qs"/>, as 8 fp32 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> GroupProducts(ref byte w, int b, Vector256<sbyte> qs) =>
        Avx.ConvertToVector256Single(MultiplySumAvx2(TFormat.Unpack256(in BlockAt(ref w, b)), qs));

    /// <summary>Blocks b and b + 1 of one row against activation quants <paramref name="qs"/> (both blocks), as 16 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> PairProducts(ref byte w, int b, Vector512<sbyte> qs) =>
        Avx512F.ConvertToVector512Single(MultiplySumAvx512(
            VectorJoin.Join(TFormat.Unpack256(in BlockAt(ref w, b)), TFormat.Unpack256(in BlockAt(ref w, b + 1))), qs));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Broadcast(Vector256<float> scales, int lane) => Avx2.PermuteVar8x32(scales, Vector256.Create(lane));

    /// <summary>Lanes 0–7 = scales[lane], lanes 8–15 = scales[lane + 1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> BroadcastPair(Vector256<float> scales, Vector512<int> index) =>
        Avx512F.PermuteVar16x32(scales.ToVector512Unsafe(), index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> PairIndex(int k) => Vector512.Create(Vector256.Create(k), Vector256.Create(k + 1));

    /// <summary>Σ over tail blocks [b, blockCount) with scalar scale widening.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float TailAvx2(ref byte w, ref byte a, ref float d, ref float s, int b, int blockCount)
    {
        var acc = Vector256<float>.Zero;
        float minimumTerms = 0;
        for (; b < blockCount; b++)
        {
            ref TBlock x = ref BlockAt(ref w, b);
            acc = Fma.MultiplyAdd(BlockProducts(ref w, ref a, b), Vector256.Create(TFormat.Scale(in x) * Unsafe.Add(ref d, b)), acc);
            if (TFormat.HasMinimum) minimumTerms += TFormat.Minimum(in x) * Unsafe.Add(ref s, b);
        }
        return Vector256.Sum(acc) + minimumTerms;
    }

    // ---- AVX2 ----

    /// <summary>
    /// The reference order every AVX2 path reproduces: per row and token two chains, blocks 0, 2, 4, 6 of each group
    /// of eight (after the group's minimum term) into one and blocks 1, 3, 5, 7 into the other, so two FMAs are in flight
    /// while one row streams from memory; the tail blocks follow in their own chain.
    /// </summary>
    private static float Row1Avx2(ref byte w, ref byte a, ref float d, ref float s, int blockCount, ref float sc)
    {
        var even = Vector256<float>.Zero;
        var odd = Vector256<float>.Zero;
        int b = 0;
        for (; b + ScaleGroup <= blockCount; b += ScaleGroup)
        {
            // The group's first weight and activation blocks: every access below is a constant offset from these, so
            // the loop body holds no per-block address arithmetic.
            ref byte wg = ref Unsafe.Add(ref w, b * Unsafe.SizeOf<TBlock>());
            ref byte ag = ref Unsafe.Add(ref a, b * ActivationBlockBytes);
            WeightPrefetch.Ahead(ref wg, ScaleGroup * Unsafe.SizeOf<TBlock>());
            var dw = BlockHalves8(ref wg, 0, 0);
            // Combined scales go through memory: one broadcast load per block is cheaper than a lane permute.
            (dw * Vector256.LoadUnsafe(ref d, (nuint)b)).StoreUnsafe(ref sc);
            if (TFormat.HasMinimum)
                even = Fma.MultiplyAdd(BlockHalves8(ref wg, 0, 2), Vector256.LoadUnsafe(ref s, (nuint)b), even);
            even = Fma.MultiplyAdd(GroupProducts(ref wg, 0, ActivationQs(ref ag, 0)), Vector256.Create(sc), even);
            odd = Fma.MultiplyAdd(GroupProducts(ref wg, 1, ActivationQs(ref ag, 1)), Vector256.Create(Unsafe.Add(ref sc, 1)), odd);
            even = Fma.MultiplyAdd(GroupProducts(ref wg, 2, ActivationQs(ref ag, 2)), Vector256.Create(Unsafe.Add(ref sc, 2)), even);
            odd = Fma.MultiplyAdd(GroupProducts(ref wg, 3, ActivationQs(ref ag, 3)), Vector256.Create(Unsafe.Add(ref sc, 3)), odd);
            even = Fma.MultiplyAdd(GroupProducts(ref wg, 4, ActivationQs(ref ag, 4)), Vector256.Create(Unsafe.Add(ref sc, 4)), even);
            odd = Fma.MultiplyAdd(GroupProducts(ref wg, 5, ActivationQs(ref ag, 5)), Vector256.Create(Unsafe.Add(ref sc, 5)), odd);
            even = Fma.MultiplyAdd(GroupProducts(ref wg, 6, ActivationQs(ref ag, 6)), Vector256.Create(Unsafe.Add(ref sc, 6)), even);
            odd = Fma.MultiplyAdd(GroupProducts(ref wg, 7, ActivationQs(ref ag, 7)), Vector256.Create(Unsafe.Add(ref sc, 7)), odd);
        }
        return Vector256.Sum(even + odd) + TailAvx2(ref w, ref a, ref d, ref s, b, blockCount);
    }

    /// <summary>One row against four tokens (prefill): each unpacked weight block is reused four times.</summary>
    private static void Tokens4Avx2(ref byte w, ref byte a, ref float d, ref float s, int activationBytes, int blockCount, Span<float> sums,
        ref float sc)
    {
        ref byte a1 = ref Unsafe.Add(ref a, activationBytes);
        ref byte a2 = ref Unsafe.Add(ref a, 2 * activationBytes);
        ref byte a3 = ref Unsafe.Add(ref a, 3 * activationBytes);
        nuint stride = (nuint)blockCount;
        // Combined scales d_w·d_a of the current 8 blocks, per token, broadcast from memory one at a time: keeping
        // them in registers and permuting left the JIT short of registers, and it then kept the accumulators on the
        // stack, a store-to-load round trip on every FMA. The caller owns the 32-float scratch (a stackalloc here
        // would make the JIT skip tiering and compile the method without inlining).
        // Two chains per token, as Row1Avx2: even blocks (after the minimum term) and odd blocks.
        var even0 = Vector256<float>.Zero;
        var even1 = Vector256<float>.Zero;
        var even2 = Vector256<float>.Zero;
        var even3 = Vector256<float>.Zero;
        var odd0 = Vector256<float>.Zero;
        var odd1 = Vector256<float>.Zero;
        var odd2 = Vector256<float>.Zero;
        var odd3 = Vector256<float>.Zero;
        int b = 0;
        for (; b + ScaleGroup <= blockCount; b += ScaleGroup)
        {
            ref byte wg = ref Unsafe.Add(ref w, b * Unsafe.SizeOf<TBlock>());
            ref byte ag0 = ref Unsafe.Add(ref a, b * ActivationBlockBytes);
            ref byte ag1 = ref Unsafe.Add(ref a1, b * ActivationBlockBytes);
            ref byte ag2 = ref Unsafe.Add(ref a2, b * ActivationBlockBytes);
            ref byte ag3 = ref Unsafe.Add(ref a3, b * ActivationBlockBytes);
            var dw = BlockHalves8(ref wg, 0, 0);
            (dw * Vector256.LoadUnsafe(ref d, (nuint)b)).StoreUnsafe(ref sc, 0);
            (dw * Vector256.LoadUnsafe(ref d, stride + (nuint)b)).StoreUnsafe(ref sc, 8);
            (dw * Vector256.LoadUnsafe(ref d, 2 * stride + (nuint)b)).StoreUnsafe(ref sc, 16);
            (dw * Vector256.LoadUnsafe(ref d, 3 * stride + (nuint)b)).StoreUnsafe(ref sc, 24);
            if (TFormat.HasMinimum)
            {
                var mw = BlockHalves8(ref wg, 0, 2);
                even0 = Fma.MultiplyAdd(mw, Vector256.LoadUnsafe(ref s, (nuint)b), even0);
                even1 = Fma.MultiplyAdd(mw, Vector256.LoadUnsafe(ref s, stride + (nuint)b), even1);
                even2 = Fma.MultiplyAdd(mw, Vector256.LoadUnsafe(ref s, 2 * stride + (nuint)b), even2);
                even3 = Fma.MultiplyAdd(mw, Vector256.LoadUnsafe(ref s, 3 * stride + (nuint)b), even3);
            }
            Step4(ref wg, ref ag0, ref ag1, ref ag2, ref ag3, ref sc, 0, 0, ref even0, ref even1, ref even2, ref even3);
            Step4(ref wg, ref ag0, ref ag1, ref ag2, ref ag3, ref sc, 0, 1, ref odd0, ref odd1, ref odd2, ref odd3);
            Step4(ref wg, ref ag0, ref ag1, ref ag2, ref ag3, ref sc, 0, 2, ref even0, ref even1, ref even2, ref even3);
            Step4(ref wg, ref ag0, ref ag1, ref ag2, ref ag3, ref sc, 0, 3, ref odd0, ref odd1, ref odd2, ref odd3);
            Step4(ref wg, ref ag0, ref ag1, ref ag2, ref ag3, ref sc, 0, 4, ref even0, ref even1, ref even2, ref even3);
            Step4(ref wg, ref ag0, ref ag1, ref ag2, ref ag3, ref sc, 0, 5, ref odd0, ref odd1, ref odd2, ref odd3);
            Step4(ref wg, ref ag0, ref ag1, ref ag2, ref ag3, ref sc, 0, 6, ref even0, ref even1, ref even2, ref even3);
            Step4(ref wg, ref ag0, ref ag1, ref ag2, ref ag3, ref sc, 0, 7, ref odd0, ref odd1, ref odd2, ref odd3);
        }
        int ib = (int)stride;
        sums[0] = Vector256.Sum(even0 + odd0) + TailAvx2(ref w, ref a, ref d, ref s, b, blockCount);
        sums[1] = Vector256.Sum(even1 + odd1) + TailAvx2(ref w, ref a1, ref Unsafe.Add(ref d, ib), ref Unsafe.Add(ref s, ib), b, blockCount);
        sums[2] = Vector256.Sum(even2 + odd2) + TailAvx2(ref w, ref a2, ref Unsafe.Add(ref d, 2 * ib), ref Unsafe.Add(ref s, 2 * ib), b, blockCount);
        sums[3] = Vector256.Sum(even3 + odd3) + TailAvx2(ref w, ref a3, ref Unsafe.Add(ref d, 3 * ib), ref Unsafe.Add(ref s, 3 * ib), b, blockCount);
    }

    /// <summary>Block b + k of one weight row against four tokens; its scales are at sc[8t + k].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step4(ref byte w, ref byte a0, ref byte a1, ref byte a2, ref byte a3, ref float sc, int b, int k,
        ref Vector256<float> acc0, ref Vector256<float> acc1, ref Vector256<float> acc2, ref Vector256<float> acc3)
    {
        var ones = Vector256.Create((short)1);
        var values = TFormat.Unpack256(in BlockAt(ref w, b + k));
        // maddubs multiplies unsigned by signed bytes: |w| once, w's sign moved onto each token's activations.
        var magnitude = Avx2.Abs(values);
        acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(magnitude, Avx2.Sign(ActivationQs(ref a0, b + k), values)), ones)),
            Vector256.Create(Unsafe.Add(ref sc, k)), acc0);
        acc1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(magnitude, Avx2.Sign(ActivationQs(ref a1, b + k), values)), ones)),
            Vector256.Create(Unsafe.Add(ref sc, 8 + k)), acc1);
        acc2 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(magnitude, Avx2.Sign(ActivationQs(ref a2, b + k), values)), ones)),
            Vector256.Create(Unsafe.Add(ref sc, 16 + k)), acc2);
        acc3 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(magnitude, Avx2.Sign(ActivationQs(ref a3, b + k), values)), ones)),
            Vector256.Create(Unsafe.Add(ref sc, 24 + k)), acc3);
    }

    // ---- AVX-512: two blocks per 512-bit step (block b + k in the low half, b + k + 1 in the high half) ----
    // Signed unpacking only (no nibble-offset shortcut), and the minimum chain only for formats with a minimum.

    private static float Row1Avx512(ref byte w, ref byte a, ref float d, ref float s, int blockCount)
    {
        var acc = Vector512<float>.Zero;
        var minimums = Vector256<float>.Zero;
        int b = 0;
        for (; b + ScaleGroup <= blockCount; b += ScaleGroup)
        {
            var scales = BlockHalves8(ref w, b, 0) * Vector256.LoadUnsafe(ref d, (nuint)b);
            if (TFormat.HasMinimum) minimums = Fma.MultiplyAdd(BlockHalves8(ref w, b, 2), Vector256.LoadUnsafe(ref s, (nuint)b), minimums);
            for (int k = 0; k < ScaleGroup; k += 2)
                acc = Avx512F.FusedMultiplyAdd(PairProducts(ref w, b + k, ActivationQsPair(ref a, b + k)), BroadcastPair(scales, PairIndex(k)), acc);
        }
        return Vector512.Sum(acc) + Vector256.Sum(minimums) + TailAvx2(ref w, ref a, ref d, ref s, b, blockCount);
    }

    private static void Tokens4Avx512(ref byte w, ref byte a, ref float d, ref float s, int activationBytes, int blockCount, Span<float> sums)
    {
        ref byte a1 = ref Unsafe.Add(ref a, activationBytes);
        ref byte a2 = ref Unsafe.Add(ref a, 2 * activationBytes);
        ref byte a3 = ref Unsafe.Add(ref a, 3 * activationBytes);
        nuint stride = (nuint)blockCount;
        var acc0 = Vector512<float>.Zero;
        var acc1 = Vector512<float>.Zero;
        var acc2 = Vector512<float>.Zero;
        var acc3 = Vector512<float>.Zero;
        var min0 = Vector256<float>.Zero;
        var min1 = Vector256<float>.Zero;
        var min2 = Vector256<float>.Zero;
        var min3 = Vector256<float>.Zero;
        int b = 0;
        for (; b + ScaleGroup <= blockCount; b += ScaleGroup)
        {
            var dw = BlockHalves8(ref w, b, 0);
            var s0 = dw * Vector256.LoadUnsafe(ref d, (nuint)b);
            var s1 = dw * Vector256.LoadUnsafe(ref d, stride + (nuint)b);
            var s2 = dw * Vector256.LoadUnsafe(ref d, 2 * stride + (nuint)b);
            var s3 = dw * Vector256.LoadUnsafe(ref d, 3 * stride + (nuint)b);
            if (TFormat.HasMinimum)
            {
                var mw = BlockHalves8(ref w, b, 2);
                min0 = Fma.MultiplyAdd(mw, Vector256.LoadUnsafe(ref s, (nuint)b), min0);
                min1 = Fma.MultiplyAdd(mw, Vector256.LoadUnsafe(ref s, stride + (nuint)b), min1);
                min2 = Fma.MultiplyAdd(mw, Vector256.LoadUnsafe(ref s, 2 * stride + (nuint)b), min2);
                min3 = Fma.MultiplyAdd(mw, Vector256.LoadUnsafe(ref s, 3 * stride + (nuint)b), min3);
            }
            for (int k = 0; k < ScaleGroup; k += 2)
            {
                var values = VectorJoin.Join(TFormat.Unpack256(in BlockAt(ref w, b + k)), TFormat.Unpack256(in BlockAt(ref w, b + k + 1)));
                var pair = PairIndex(k);
                acc0 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(MultiplySumAvx512(values, ActivationQsPair(ref a, b + k))), BroadcastPair(s0, pair), acc0);
                acc1 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(MultiplySumAvx512(values, ActivationQsPair(ref a1, b + k))), BroadcastPair(s1, pair), acc1);
                acc2 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(MultiplySumAvx512(values, ActivationQsPair(ref a2, b + k))), BroadcastPair(s2, pair), acc2);
                acc3 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(MultiplySumAvx512(values, ActivationQsPair(ref a3, b + k))), BroadcastPair(s3, pair), acc3);
            }
        }
        int ib = (int)stride;
        sums[0] = Vector512.Sum(acc0) + Vector256.Sum(min0) + TailAvx2(ref w, ref a, ref d, ref s, b, blockCount);
        sums[1] = Vector512.Sum(acc1) + Vector256.Sum(min1) + TailAvx2(ref w, ref a1, ref Unsafe.Add(ref d, ib), ref Unsafe.Add(ref s, ib), b, blockCount);
        sums[2] = Vector512.Sum(acc2) + Vector256.Sum(min2) + TailAvx2(ref w, ref a2, ref Unsafe.Add(ref d, 2 * ib), ref Unsafe.Add(ref s, 2 * ib), b, blockCount);
        sums[3] = Vector512.Sum(acc3) + Vector256.Sum(min3) + TailAvx2(ref w, ref a3, ref Unsafe.Add(ref d, 3 * ib), ref Unsafe.Add(ref s, 3 * ib), b, blockCount);
    }
}
