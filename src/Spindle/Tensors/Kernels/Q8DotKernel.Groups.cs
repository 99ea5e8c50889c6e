using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Spindle.Tensors.Kernels;

/// <summary>
/// Q4_0 and Q8_0 on AVX2, eight weight rows per vector, from an interleaved layout.
/// Eight rows form a group; per block the group holds 32-byte vectors, vector j carrying bytes 4j..4j+3 of each row's
/// quants, then the eight fp16 scales — as many bytes as the eight rows' blocks. Q4_0 keeps its 16 nibble bytes (four
/// vectors; low nibbles are elements 4j..4j+3, high nibbles elements 16+4j..); Q8_0 stores u = w + 128 (eight
/// vectors) and multiplies u's two nibbles separately. Either way unsigned nibbles meet a token's four activation bytes
/// of an element group, broadcast, in maddubs, for all eight rows at once, and the int16 pair sums of a whole block fit
/// (8 · 2 · 15 · 127 &lt; 2^15); a block then costs one conversion and FMA per eight rows, where row-at-a-time dot
/// products needed sign shuffling and a conversion and an FMA per row. llama.cpp's Q4_0 repacking (q4_0_8x8) is the
/// same idea. Model loading interleaves these matrices once (<see cref="WeightMatrix"/>); row-major callers get each
/// group interleaved into scratch first, so both give the same bits.
/// Every (row, token) dot is one chain over the blocks in order, acc = fma(Σw·a, d_w·d_a, acc), with the block's
/// integer sum exact (Σu·a − 8·Σa for Q4_0; 16·Σ(u >> 4)·a + Σ(u &amp; 15)·a − 128·Σa for Q8_0): a token gets the same
/// bits alone (decode) as in a batch of any size (prefill).
/// </summary>
internal abstract partial class Q8DotKernel<TBlock, TFormat>
{
    private const int GroupRows = RowGroups.Rows;

    // Both formats' blocks are {fp16 d, quants}.
    private const int QuantsOffset = 2;

    /// <summary>4-byte quads of quants per row and block: 16 nibble bytes (Q4_0) or 32 bytes (Q8_0).</summary>
    private static int QuadsPerBlock
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TFormat.HasNibbleOffset ? 4 : 8;
    }

    // Per block of a group: the quads of the eight rows, then their eight fp16 scales.
    private static int GroupScalesOffset
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 32 * QuadsPerBlock;
    }

    private static int GroupBlockBytes
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 32 * QuadsPerBlock + 2 * GroupRows;
    }

    // Q8_0's signed bytes are stored as u = w + 128.
    private static int QuadFlip
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TFormat.HasNibbleOffset ? 0 : unchecked((int)0x80808080);
    }

    private bool UsesGroups => (TFormat.HasNibbleOffset || TFormat.HasByteOffset) && _isa != KernelIsa.Scalar;

    public sealed override int InterleavedRows => UsesGroups ? GroupRows : 0;

    public sealed override long InterleavedByteLength(int rowCount, int rowLength)
    {
        Debug.Assert(UsesGroups);
        return (long)((rowCount + GroupRows - 1) / GroupRows) * (rowLength / BlockLength) * GroupBlockBytes;
    }

    public sealed override void Interleave(ReadOnlySpan<byte> rows, int rowCount, int rowLength, Span<byte> groups)
    {
        Debug.Assert(UsesGroups);
        int blockCount = rowLength / BlockLength;
        int rowBytes = blockCount * Unsafe.SizeOf<TBlock>();
        int groupBytes = blockCount * GroupBlockBytes;
        if (rows.Length < (long)rowCount * rowBytes || groups.Length < InterleavedByteLength(rowCount, rowLength))
            throw new ArgumentException("buffers too short for the rows");
        for (int r0 = 0; r0 < rowCount; r0 += GroupRows)
            InterleaveGroup(ref Unsafe.AsRef(in rows[r0 * rowBytes]), rowBytes, Math.Min(GroupRows, rowCount - r0), blockCount,
                ref groups[r0 / GroupRows * groupBytes]);
    }

    public sealed override void DequantizeInterleavedRow(ReadOnlySpan<byte> groups, int row, int rowLength, Span<float> destination)
    {
        Debug.Assert(UsesGroups);
        int blockCount = rowLength / BlockLength;
        int lane = row % GroupRows;
        var group = groups.Slice(row / GroupRows * blockCount * GroupBlockBytes, blockCount * GroupBlockBytes);
        Span<byte> block = stackalloc byte[Unsafe.SizeOf<TBlock>()];
        for (int b = 0; b < blockCount; b++)
        {
            var source = group.Slice(b * GroupBlockBytes, GroupBlockBytes);
            source.Slice(GroupScalesOffset + 2 * lane, 2).CopyTo(block);
            for (int j = 0; j < QuadsPerBlock; j++)
            {
                int quad = BitConverter.ToInt32(source.Slice(32 * j + 4 * lane, 4)) ^ QuadFlip;
                BitConverter.TryWriteBytes(block.Slice(QuantsOffset + 4 * j), quad);
            }
            TFormat.Dequantize(MemoryMarshal.Cast<byte, TBlock>(block), destination.Slice(b * BlockLength, BlockLength));
        }
    }

    /// <summary>Rows r0 .. r0 + rows − 1 into one group (a short group repeats its last row).</summary>
    private static void InterleaveGroup(ref byte w, int rowBytes, int rows, int blockCount, ref byte group)
    {
        for (int r = 0; r < GroupRows; r++)
        {
            ref byte row = ref Unsafe.Add(ref w, Math.Min(r, rows - 1) * rowBytes);
            for (int b = 0; b < blockCount; b++)
            {
                ref byte source = ref Unsafe.Add(ref row, b * Unsafe.SizeOf<TBlock>());
                ref byte target = ref Unsafe.Add(ref group, b * GroupBlockBytes);
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref target, GroupScalesOffset + 2 * r), Unsafe.ReadUnaligned<ushort>(ref source));
                for (int j = 0; j < QuadsPerBlock; j++)
                    Unsafe.WriteUnaligned(ref Unsafe.Add(ref target, 32 * j + 4 * r),
                        Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref source, QuantsOffset + 4 * j)) ^ QuadFlip);
            }
        }
    }

    /// <summary>Scratch floats the row-major product needs: one interleaved group.</summary>
    private static int GroupScratchFloats(int blockCount) => blockCount * GroupBlockBytes / sizeof(float) + 1;

    /// <summary>Row-major weights: each group of eight rows is interleaved into scratch, then multiplied as interleaved.</summary>
    private static void MatMulRowsAsGroups(
        ReadOnlySpan<byte> weightRows, int rowCount, int rowBytes, ReadOnlySpan<byte> activations, int tokenCount,
        int activationBytes, int blockCount, Span<float> output, int outputStride, ReadOnlySpan<float> auxiliary, float[] scratch, int scratchStart)
    {
        ref byte group = ref Unsafe.As<float, byte>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(scratch), scratchStart));
        for (int r0 = 0; r0 < rowCount; r0 += GroupRows)
        {
            int rows = Math.Min(GroupRows, rowCount - r0);
            InterleaveGroup(ref Unsafe.AsRef(in weightRows[r0 * rowBytes]), rowBytes, rows, blockCount, ref group);
            MultiplyGroup(ref group, rows, activations, tokenCount, activationBytes, blockCount, output.Slice(r0), outputStride, auxiliary);
        }
    }

    public sealed override void MatMulInterleaved(
        ReadOnlySpan<byte> groups, int rowCount, int rowLength, ReadOnlySpan<byte> activations, int tokenCount,
        Span<float> output, int outputStride, ReadOnlySpan<float> auxiliary)
    {
        Debug.Assert(UsesGroups);
        int blockCount = rowLength / BlockLength;
        int activationBytes = blockCount * ActivationBlockBytes;
        int scaleCount = tokenCount * blockCount;
        Debug.Assert(groups.Length >= InterleavedByteLength(rowCount, rowLength));
        Debug.Assert(activations.Length >= tokenCount * activationBytes);
        if (auxiliary.IsEmpty)
        {
            float[] rented = KernelScratch.Floats(2 * scaleCount);
            PrepareAuxiliary(activations, rowLength, tokenCount, rented);
            auxiliary = rented.AsSpan(0, 2 * scaleCount);
        }
        int groupBytes = blockCount * GroupBlockBytes;
        for (int r0 = 0; r0 < rowCount; r0 += GroupRows)
            MultiplyGroup(ref Unsafe.AsRef(in groups[r0 / GroupRows * groupBytes]), Math.Min(GroupRows, rowCount - r0),
                activations, tokenCount, activationBytes, blockCount, output.Slice(r0), outputStride, auxiliary);
    }

    /// <summary>One group against every token: four tokens at a time, then one at a time.</summary>
    private static void MultiplyGroup(ref byte group, int rows, ReadOnlySpan<byte> activations, int tokenCount, int activationBytes,
        int blockCount, Span<float> output, int outputStride, ReadOnlySpan<float> auxiliary)
    {
        ref byte a0 = ref MemoryMarshal.GetReference(activations);
        ref float d0 = ref MemoryMarshal.GetReference(auxiliary);
        ref float s0 = ref Unsafe.Add(ref d0, tokenCount * blockCount);
        ref float out0 = ref MemoryMarshal.GetReference(output);
        int t = 0;
        for (; t + 4 <= tokenCount; t += 4)
        {
            Vector256<float> acc0, acc1, acc2, acc3;
            if (TFormat.HasNibbleOffset)
                GroupTokens4(ref group, ref Unsafe.Add(ref a0, t * activationBytes), activationBytes,
                    ref Unsafe.Add(ref d0, t * blockCount), ref Unsafe.Add(ref s0, t * blockCount), blockCount,
                    out acc0, out acc1, out acc2, out acc3);
            else
                ByteGroupTokens4(ref group, ref Unsafe.Add(ref a0, t * activationBytes), activationBytes,
                    ref Unsafe.Add(ref d0, t * blockCount), ref Unsafe.Add(ref s0, t * blockCount), blockCount,
                    out acc0, out acc1, out acc2, out acc3);
            RowGroups.Store(acc0, ref Unsafe.Add(ref out0, t * outputStride), rows);
            RowGroups.Store(acc1, ref Unsafe.Add(ref out0, (t + 1) * outputStride), rows);
            RowGroups.Store(acc2, ref Unsafe.Add(ref out0, (t + 2) * outputStride), rows);
            RowGroups.Store(acc3, ref Unsafe.Add(ref out0, (t + 3) * outputStride), rows);
        }
        for (; t < tokenCount; t++)
        {
            var acc = TFormat.HasNibbleOffset
                ? GroupToken1(ref group, ref Unsafe.Add(ref a0, t * activationBytes),
                    ref Unsafe.Add(ref d0, t * blockCount), ref Unsafe.Add(ref s0, t * blockCount), blockCount)
                : ByteGroupToken1(ref group, ref Unsafe.Add(ref a0, t * activationBytes),
                    ref Unsafe.Add(ref d0, t * blockCount), ref Unsafe.Add(ref s0, t * blockCount), blockCount);
            RowGroups.Store(acc, ref Unsafe.Add(ref out0, t * outputStride), rows);
        }
    }

    /// <summary>The eight rows' scales of one group block, widened.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> GroupScales(ref byte groupBlock) =>
        F16Widening.ToSingle(Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref Unsafe.As<byte, ushort>(ref Unsafe.Add(ref groupBlock, GroupScalesOffset)))).AsUInt32());

    /// <summary>The chain step of Q4_0: acc = fma(Σu·a − 8·Σa, d_w·d_a, acc), the first factor exact.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> AccumulateBlock(Vector256<short> pairSums, Vector256<float> dw, float da, float activationSum, Vector256<float> acc)
    {
        var sums = Avx.ConvertToVector256Single(Avx2.MultiplyAddAdjacent(pairSums, Vector256.Create((short)1))) - Vector256.Create(8 * activationSum);
        return Fma.MultiplyAdd(sums, dw * Vector256.Create(da), acc);
    }

    /// <summary>The chain step of Q8_0: acc = fma(16·Σ(u >> 4)·a + Σ(u &amp; 15)·a − 128·Σa, d_w·d_a, acc), the first factor exact (|Σ| &lt; 2^24).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> AccumulateByteBlock(Vector256<short> lowSums, Vector256<short> highSums, Vector256<float> dw, float da,
        float activationSum, Vector256<float> acc)
    {
        var ones = Vector256.Create((short)1);
        var total = (Avx2.MultiplyAddAdjacent(highSums, ones) << 4) + Avx2.MultiplyAddAdjacent(lowSums, ones);
        var sums = Avx.ConvertToVector256Single(total) - Vector256.Create(128 * activationSum);
        return Fma.MultiplyAdd(sums, dw * Vector256.Create(da), acc);
    }

    /// <summary>Four activation bytes (elements 4g..4g+3 of a block) in every int32 lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<sbyte> ActivationQuad(ref byte blockQs, int g) => RowGroups.BroadcastQuad(ref blockQs, 4 * g);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> LowNibbles(Vector256<byte> packed) => packed & Vector256.Create((byte)0x0F);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> HighNibbles(Vector256<byte> packed) => KQuantSimd.ShiftRightMask(packed, 4, Vector256.Create((byte)0x0F));

    /// <summary>
    /// One token (decode), one group: per block Σu·a for the eight rows in int16 pairs (eight multiply-adds of
    /// u ≤ 15 by |a| ≤ 127: |Σ| ≤ 8 · 2 · 15 · 127 &lt; 2^15, no overflow).
    /// </summary>
    private static Vector256<float> GroupToken1(ref byte group, ref byte a, ref float d, ref float s, int blockCount)
    {
        var acc = Vector256<float>.Zero;
        for (int b = 0; b < blockCount; b++)
        {
            ref byte gb = ref Unsafe.Add(ref group, b * GroupBlockBytes);
            // The group is one sequential stream; ask for it ahead, four blocks (nine lines) at a time.
            if ((b & 3) == 0) WeightPrefetch.Ahead(ref gb, 4 * GroupBlockBytes);
            ref byte q = ref Unsafe.Add(ref a, b * ActivationBlockBytes + ActivationQsOffset);
            var p0 = Vector256.LoadUnsafe(ref gb);
            var p1 = Vector256.LoadUnsafe(ref gb, 32);
            var p2 = Vector256.LoadUnsafe(ref gb, 64);
            var p3 = Vector256.LoadUnsafe(ref gb, 96);
            var sum = Avx2.MultiplyAddAdjacent(LowNibbles(p0), ActivationQuad(ref q, 0));
            sum += Avx2.MultiplyAddAdjacent(LowNibbles(p1), ActivationQuad(ref q, 1));
            sum += Avx2.MultiplyAddAdjacent(LowNibbles(p2), ActivationQuad(ref q, 2));
            sum += Avx2.MultiplyAddAdjacent(LowNibbles(p3), ActivationQuad(ref q, 3));
            sum += Avx2.MultiplyAddAdjacent(HighNibbles(p0), ActivationQuad(ref q, 4));
            sum += Avx2.MultiplyAddAdjacent(HighNibbles(p1), ActivationQuad(ref q, 5));
            sum += Avx2.MultiplyAddAdjacent(HighNibbles(p2), ActivationQuad(ref q, 6));
            sum += Avx2.MultiplyAddAdjacent(HighNibbles(p3), ActivationQuad(ref q, 7));
            acc = AccumulateBlock(sum, GroupScales(ref gb), Unsafe.Add(ref d, b), Unsafe.Add(ref s, b), acc);
        }
        return acc;
    }

    /// <summary>Four tokens (prefill), one group: each unpacked vector serves the four tokens.</summary>
    private static void GroupTokens4(ref byte group, ref byte a, int activationBytes, ref float d, ref float s, int blockCount,
        out Vector256<float> acc0, out Vector256<float> acc1, out Vector256<float> acc2, out Vector256<float> acc3)
    {
        ref byte a1 = ref Unsafe.Add(ref a, activationBytes);
        ref byte a2 = ref Unsafe.Add(ref a, 2 * activationBytes);
        ref byte a3 = ref Unsafe.Add(ref a, 3 * activationBytes);
        int stride = blockCount;
        acc0 = acc1 = acc2 = acc3 = Vector256<float>.Zero;
        for (int b = 0; b < blockCount; b++)
        {
            ref byte gb = ref Unsafe.Add(ref group, b * GroupBlockBytes);
            int qs = b * ActivationBlockBytes + ActivationQsOffset;
            ref byte q0 = ref Unsafe.Add(ref a, qs);
            ref byte q1 = ref Unsafe.Add(ref a1, qs);
            ref byte q2 = ref Unsafe.Add(ref a2, qs);
            ref byte q3 = ref Unsafe.Add(ref a3, qs);
            var packed = Vector256.LoadUnsafe(ref gb);
            var u = LowNibbles(packed);
            var sum0 = Avx2.MultiplyAddAdjacent(u, ActivationQuad(ref q0, 0));
            var sum1 = Avx2.MultiplyAddAdjacent(u, ActivationQuad(ref q1, 0));
            var sum2 = Avx2.MultiplyAddAdjacent(u, ActivationQuad(ref q2, 0));
            var sum3 = Avx2.MultiplyAddAdjacent(u, ActivationQuad(ref q3, 0));
            u = HighNibbles(packed);
            sum0 += Avx2.MultiplyAddAdjacent(u, ActivationQuad(ref q0, 4));
            sum1 += Avx2.MultiplyAddAdjacent(u, ActivationQuad(ref q1, 4));
            sum2 += Avx2.MultiplyAddAdjacent(u, ActivationQuad(ref q2, 4));
            sum3 += Avx2.MultiplyAddAdjacent(u, ActivationQuad(ref q3, 4));
            for (int j = 1; j < 4; j++)
            {
                packed = Vector256.LoadUnsafe(ref gb, (nuint)(32 * j));
                u = LowNibbles(packed);
                sum0 += Avx2.MultiplyAddAdjacent(u, ActivationQuad(ref q0, j));
                sum1 += Avx2.MultiplyAddAdjacent(u, ActivationQuad(ref q1, j));
                sum2 += Avx2.MultiplyAddAdjacent(u, ActivationQuad(ref q2, j));
                sum3 += Avx2.MultiplyAddAdjacent(u, ActivationQuad(ref q3, j));
                u = HighNibbles(packed);
                sum0 += Avx2.MultiplyAddAdjacent(u, ActivationQuad(ref q0, j + 4));
                sum1 += Avx2.MultiplyAddAdjacent(u, ActivationQuad(ref q1, j + 4));
                sum2 += Avx2.MultiplyAddAdjacent(u, ActivationQuad(ref q2, j + 4));
                sum3 += Avx2.MultiplyAddAdjacent(u, ActivationQuad(ref q3, j + 4));
            }
            var dw = GroupScales(ref gb);
            acc0 = AccumulateBlock(sum0, dw, Unsafe.Add(ref d, b), Unsafe.Add(ref s, b), acc0);
            acc1 = AccumulateBlock(sum1, dw, Unsafe.Add(ref d, stride + b), Unsafe.Add(ref s, stride + b), acc1);
            acc2 = AccumulateBlock(sum2, dw, Unsafe.Add(ref d, 2 * stride + b), Unsafe.Add(ref s, 2 * stride + b), acc2);
            acc3 = AccumulateBlock(sum3, dw, Unsafe.Add(ref d, 3 * stride + b), Unsafe.Add(ref s, 3 * stride + b), acc3);
        }
    }

    /// <summary>One token (decode), one Q8_0 group.</summary>
    private static Vector256<float> ByteGroupToken1(ref byte group, ref byte a, ref float d, ref float s, int blockCount)
    {
        var acc = Vector256<float>.Zero;
        for (int b = 0; b < blockCount; b++)
        {
            ref byte gb = ref Unsafe.Add(ref group, b * GroupBlockBytes);
            // The group is one sequential stream; ask for it ahead, two blocks (eight and a half lines) at a time.
            if ((b & 1) == 0) WeightPrefetch.Ahead(ref gb, 2 * GroupBlockBytes);
            ref byte q = ref Unsafe.Add(ref a, b * ActivationBlockBytes + ActivationQsOffset);
            var packed = Vector256.LoadUnsafe(ref gb);
            var quad = ActivationQuad(ref q, 0);
            var low = Avx2.MultiplyAddAdjacent(LowNibbles(packed), quad);
            var high = Avx2.MultiplyAddAdjacent(HighNibbles(packed), quad);
            for (int j = 1; j < 8; j++)
            {
                packed = Vector256.LoadUnsafe(ref gb, (nuint)(32 * j));
                quad = ActivationQuad(ref q, j);
                low += Avx2.MultiplyAddAdjacent(LowNibbles(packed), quad);
                high += Avx2.MultiplyAddAdjacent(HighNibbles(packed), quad);
            }
            acc = AccumulateByteBlock(low, high, GroupScales(ref gb), Unsafe.Add(ref d, b), Unsafe.Add(ref s, b), acc);
        }
        return acc;
    }

    /// <summary>Four tokens (prefill), one Q8_0 group: each unpacked vector serves the four tokens.</summary>
    private static void ByteGroupTokens4(ref byte group, ref byte a, int activationBytes, ref float d, ref float s, int blockCount,
        out Vector256<float> acc0, out Vector256<float> acc1, out Vector256<float> acc2, out Vector256<float> acc3)
    {
        ref byte a1 = ref Unsafe.Add(ref a, activationBytes);
        ref byte a2 = ref Unsafe.Add(ref a, 2 * activationBytes);
        ref byte a3 = ref Unsafe.Add(ref a, 3 * activationBytes);
        int stride = blockCount;
        acc0 = acc1 = acc2 = acc3 = Vector256<float>.Zero;
        for (int b = 0; b < blockCount; b++)
        {
            ref byte gb = ref Unsafe.Add(ref group, b * GroupBlockBytes);
            int qs = b * ActivationBlockBytes + ActivationQsOffset;
            ref byte q0 = ref Unsafe.Add(ref a, qs);
            ref byte q1 = ref Unsafe.Add(ref a1, qs);
            ref byte q2 = ref Unsafe.Add(ref a2, qs);
            ref byte q3 = ref Unsafe.Add(ref a3, qs);
            var packed = Vector256.LoadUnsafe(ref gb);
            var low = LowNibbles(packed);
            var high = HighNibbles(packed);
            var quad = ActivationQuad(ref q0, 0);
            var low0 = Avx2.MultiplyAddAdjacent(low, quad);
            var high0 = Avx2.MultiplyAddAdjacent(high, quad);
            quad = ActivationQuad(ref q1, 0);
            var low1 = Avx2.MultiplyAddAdjacent(low, quad);
            var high1 = Avx2.MultiplyAddAdjacent(high, quad);
            quad = ActivationQuad(ref q2, 0);
            var low2 = Avx2.MultiplyAddAdjacent(low, quad);
            var high2 = Avx2.MultiplyAddAdjacent(high, quad);
            quad = ActivationQuad(ref q3, 0);
            var low3 = Avx2.MultiplyAddAdjacent(low, quad);
            var high3 = Avx2.MultiplyAddAdjacent(high, quad);
            for (int j = 1; j < 8; j++)
            {
                packed = Vector256.LoadUnsafe(ref gb, (nuint)(32 * j));
                low = LowNibbles(packed);
                high = HighNibbles(packed);
                quad = ActivationQuad(ref q0, j);
                low0 += Avx2.MultiplyAddAdjacent(low, quad);
                high0 += Avx2.MultiplyAddAdjacent(high, quad);
                quad = ActivationQuad(ref q1, j);
                low1 += Avx2.MultiplyAddAdjacent(low, quad);
                high1 += Avx2.MultiplyAddAdjacent(high, quad);
                quad = ActivationQuad(ref q2, j);
                low2 += Avx2.MultiplyAddAdjacent(low, quad);
                high2 += Avx2.MultiplyAddAdjacent(high, quad);
                quad = ActivationQuad(ref q3, j);
                low3 += Avx2.MultiplyAddAdjacent(low, quad);
                high3 += Avx2.MultiplyAddAdjacent(high, quad);
            }
            var dw = GroupScales(ref gb);
            acc0 = AccumulateByteBlock(low0, high0, dw, Unsafe.Add(ref d, b), Unsafe.Add(ref s, b), acc0);
            acc1 = AccumulateByteBlock(low1, high1, dw, Unsafe.Add(ref d, stride + b), Unsafe.Add(ref s, stride + b), acc1);
            acc2 = AccumulateByteBlock(low2, high2, dw, Unsafe.Add(ref d, 2 * stride + b), Unsafe.Add(ref s, 2 * stride + b), acc2);
            acc3 = AccumulateByteBlock(low3, high3, dw, Unsafe.Add(ref d, 3 * stride + b), Unsafe.Add(ref s, 3 * stride + b), acc3);
        }
    }
}
