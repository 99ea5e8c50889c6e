using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Spindle.Tensors.Blocks;

namespace Spindle.Tensors.Kernels;

/// <summary>
/// Q4_K on AVX2, eight weight rows per vector, from an interleaved layout (as Q8DotKernel.Groups.cs does for Q4_0).
/// Per 256-element block a group of eight rows holds: 32 vectors of nibble bytes, vector 8c + q carrying bytes
/// 32c + 4q .. +3 of each row's quants (low nibbles: elements 64c + 4q..; high nibbles: elements 64c + 32 + 4q..);
/// then each sub-block's 6-bit scale per row, twice (16 bytes per sub-block, widened to the int16 lanes maddubs leaves
/// for a row); then the mins of sub-blocks 2p and 2p + 1 per row (16 bytes per pair); then the eight d and the eight
/// dmin (fp16). 1,248 bytes against the eight rows' 1,152: the scales are stored unpacked.
/// A token's four activation bytes, broadcast, multiply the eight rows at once; the int16 pair sums of a sub-block fit
/// (8 · 2 · 15 · 127 &lt; 2^15) and one multiply-add by the scales makes them int32 per row. Per (row, token) one chain
/// over the blocks: acc = fma(Σ_j sc_j·Σq·a, d·d_a, acc), then acc = −(Σ_j m_j·Σa)·(dmin·d_a) + acc, the integer sums
/// exact; decode and any batch give the same bits, and row-major callers get each group interleaved into scratch.
/// </summary>
public sealed partial class Q4_KKernel
{
    private const int GroupRows = RowGroups.Rows;
    private const int GroupScalesOffset = 1024;
    private const int GroupMinsOffset = GroupScalesOffset + 8 * 16;
    private const int GroupDOffset = GroupMinsOffset + 4 * 16;
    private const int GroupDMinOffset = GroupDOffset + 2 * GroupRows;
    private const int GroupBlockBytes = GroupDMinOffset + 2 * GroupRows;

    private bool UsesGroups => Isa != KernelIsa.Scalar;

    public override int InterleavedRows => UsesGroups ? GroupRows : 0;

    public override long InterleavedByteLength(int rowCount, int rowLength) =>
        (long)((rowCount + GroupRows - 1) / GroupRows) * (rowLength / KQuantMath.QK_K) * GroupBlockBytes;

    public override void Interleave(ReadOnlySpan<byte> rows, int rowCount, int rowLength, Span<byte> groups)
    {
        Debug.Assert(UsesGroups);
        int blocks = rowLength / KQuantMath.QK_K;
        int rowBytes = blocks * BlockQ4_K.ByteLength;
        if (rows.Length < (long)rowCount * rowBytes || groups.Length < InterleavedByteLength(rowCount, rowLength))
            throw new ArgumentException("buffers too short for the rows");
        for (int r0 = 0; r0 < rowCount; r0 += GroupRows)
            InterleaveGroup(ref Unsafe.AsRef(in rows[r0 * rowBytes]), rowBytes, Math.Min(GroupRows, rowCount - r0), blocks,
                ref groups[r0 / GroupRows * blocks * GroupBlockBytes]);
    }

    /// <summary>Rows r0 .. r0 + rows − 1 into one group (a short group repeats its last row).</summary>
    private static void InterleaveGroup(ref byte w, int rowBytes, int rows, int blocks, ref byte group)
    {
        for (int r = 0; r < GroupRows; r++)
        {
            ref byte row = ref Unsafe.Add(ref w, Math.Min(r, rows - 1) * rowBytes);
            for (int b = 0; b < blocks; b++)
            {
                ref byte source = ref Unsafe.Add(ref row, b * BlockQ4_K.ByteLength);
                ref byte target = ref Unsafe.Add(ref group, b * GroupBlockBytes);
                for (int v = 0; v < 32; v++)
                    Unsafe.WriteUnaligned(ref Unsafe.Add(ref target, 32 * v + 4 * r), Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref source, 16 + 4 * v)));
                KQuantMath.UnpackScalesMinsK4(ref Unsafe.Add(ref source, 4), out ulong scales, out ulong mins);
                for (int j = 0; j < 8; j++)
                {
                    byte scale = (byte)(scales >> (8 * j));
                    Unsafe.Add(ref target, GroupScalesOffset + 16 * j + 2 * r) = scale;
                    Unsafe.Add(ref target, GroupScalesOffset + 16 * j + 2 * r + 1) = scale;
                    Unsafe.Add(ref target, GroupMinsOffset + 16 * (j / 2) + 2 * r + (j & 1)) = (byte)(mins >> (8 * j));
                }
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref target, GroupDOffset + 2 * r), Unsafe.ReadUnaligned<ushort>(ref source));
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref target, GroupDMinOffset + 2 * r), Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref source, 2)));
            }
        }
    }

    public override void DequantizeInterleavedRow(ReadOnlySpan<byte> groups, int row, int rowLength, Span<float> destination)
    {
        Debug.Assert(UsesGroups);
        int blocks = rowLength / KQuantMath.QK_K;
        int lane = row % GroupRows;
        var group = groups.Slice(row / GroupRows * blocks * GroupBlockBytes, blocks * GroupBlockBytes);
        Span<byte> block = stackalloc byte[BlockQ4_K.ByteLength];
        Span<byte> sc = stackalloc byte[8];
        Span<byte> m = stackalloc byte[8];
        for (int b = 0; b < blocks; b++)
        {
            var source = group.Slice(b * GroupBlockBytes, GroupBlockBytes);
            source.Slice(GroupDOffset + 2 * lane, 2).CopyTo(block);
            source.Slice(GroupDMinOffset + 2 * lane, 2).CopyTo(block.Slice(2));
            for (int j = 0; j < 8; j++)
            {
                sc[j] = source[GroupScalesOffset + 16 * j + 2 * lane];
                m[j] = source[GroupMinsOffset + 16 * (j / 2) + 2 * lane + (j & 1)];
            }
            // The 12-byte packing KQuantMath.GetScaleMinK4 reads back.
            for (int j = 0; j < 4; j++)
            {
                block[4 + j] = (byte)(sc[j] | ((sc[j + 4] >> 4) << 6));
                block[8 + j] = (byte)(m[j] | ((m[j + 4] >> 4) << 6));
                block[12 + j] = (byte)((sc[j + 4] & 0xF) | ((m[j + 4] & 0xF) << 4));
            }
            for (int v = 0; v < 32; v++) source.Slice(32 * v + 4 * lane, 4).CopyTo(block.Slice(16 + 4 * v));
            Q4_KReference.Dequantize(block, destination.Slice(b * KQuantMath.QK_K, KQuantMath.QK_K));
        }
    }

    private protected override bool TryMatMulRowMajor(ReadOnlySpan<byte> weightRows, int rowCount, int rowLength,
        ReadOnlySpan<byte> activations, int tokenCount, Span<float> output, int outputStride)
    {
        if (!UsesGroups) return false;
        int blocks = rowLength / KQuantMath.QK_K;
        int rowBytes = blocks * BlockQ4_K.ByteLength;
        float[] scratch = KernelScratch.Floats(blocks * GroupBlockBytes / sizeof(float));
        ref byte group = ref Unsafe.As<float, byte>(ref MemoryMarshal.GetArrayDataReference(scratch));
        for (int r0 = 0; r0 < rowCount; r0 += GroupRows)
        {
            int rows = Math.Min(GroupRows, rowCount - r0);
            InterleaveGroup(ref Unsafe.AsRef(in weightRows[r0 * rowBytes]), rowBytes, rows, blocks, ref group);
            MultiplyGroup(ref group, rows, activations, tokenCount, blocks, output.Slice(r0), outputStride);
        }
        return true;
    }

    public override void MatMulInterleaved(ReadOnlySpan<byte> groups, int rowCount, int rowLength, ReadOnlySpan<byte> activations,
        int tokenCount, Span<float> output, int outputStride, ReadOnlySpan<float> auxiliary)
    {
        Debug.Assert(UsesGroups && groups.Length >= InterleavedByteLength(rowCount, rowLength));
        int blocks = rowLength / KQuantMath.QK_K;
        Debug.Assert(activations.Length >= tokenCount * blocks * BlockQ8_K.ByteLength);
        for (int r0 = 0; r0 < rowCount; r0 += GroupRows)
            MultiplyGroup(ref Unsafe.AsRef(in groups[r0 / GroupRows * blocks * GroupBlockBytes]), Math.Min(GroupRows, rowCount - r0),
                activations, tokenCount, blocks, output.Slice(r0), outputStride);
    }

    private static void MultiplyGroup(ref byte group, int rows, ReadOnlySpan<byte> activations, int tokenCount, int blocks,
        Span<float> output, int outputStride)
    {
        int activationBytes = blocks * BlockQ8_K.ByteLength;
        ref byte a0 = ref MemoryMarshal.GetReference(activations);
        ref float out0 = ref MemoryMarshal.GetReference(output);
        int t = 0;
        for (; t + 4 <= tokenCount; t += 4)
        {
            GroupTokens4(ref group, ref Unsafe.Add(ref a0, t * activationBytes), activationBytes, blocks,
                out var acc0, out var acc1, out var acc2, out var acc3);
            RowGroups.Store(acc0, ref Unsafe.Add(ref out0, t * outputStride), rows);
            RowGroups.Store(acc1, ref Unsafe.Add(ref out0, (t + 1) * outputStride), rows);
            RowGroups.Store(acc2, ref Unsafe.Add(ref out0, (t + 2) * outputStride), rows);
            RowGroups.Store(acc3, ref Unsafe.Add(ref out0, (t + 3) * outputStride), rows);
        }
        for (; t < tokenCount; t++)
            RowGroups.Store(GroupToken1(ref group, ref Unsafe.Add(ref a0, t * activationBytes), blocks), ref Unsafe.Add(ref out0, t * outputStride), rows);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> Bytes16(ref byte gb, int offset) => Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref Unsafe.Add(ref gb, offset)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Halves8(ref byte gb, int offset) =>
        F16Widening.ToSingle(Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref Unsafe.As<byte, ushort>(ref Unsafe.Add(ref gb, offset)))).AsUInt32());

    /// <summary>Σ_j m_j·Σa over the eight sub-blocks, per row, from the token's 16 bsums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> MinSums(ref byte gb, ref byte yb)
    {
        var bsums = Vector256.LoadUnsafe(ref Unsafe.As<byte, short>(ref Unsafe.Add(ref yb, BlockQ8_K.BSumsOffset)));
        // Per 128-bit half: the sums of sub-blocks 0-3 (4-7) as int16, twice; int32 lane p then holds the pair (2p, 2p + 1).
        var pairs = Avx2.HorizontalAdd(bsums, bsums).AsInt32();
        var sum = Avx2.MultiplyAddAdjacent(Bytes16(ref gb, GroupMinsOffset), Avx2.PermuteVar8x32(pairs, Vector256.Create(0)).AsInt16());
        sum += Avx2.MultiplyAddAdjacent(Bytes16(ref gb, GroupMinsOffset + 16), Avx2.PermuteVar8x32(pairs, Vector256.Create(1)).AsInt16());
        sum += Avx2.MultiplyAddAdjacent(Bytes16(ref gb, GroupMinsOffset + 32), Avx2.PermuteVar8x32(pairs, Vector256.Create(4)).AsInt16());
        sum += Avx2.MultiplyAddAdjacent(Bytes16(ref gb, GroupMinsOffset + 48), Avx2.PermuteVar8x32(pairs, Vector256.Create(5)).AsInt16());
        return sum;
    }

    /// <summary>The chain step every path shares (see the type's summary).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Accumulate(Vector256<int> scaledSums, Vector256<int> minSums, Vector256<float> d, Vector256<float> dmin,
        float yd, Vector256<float> acc)
    {
        var ydv = Vector256.Create(yd);
        acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(scaledSums), d * ydv, acc);
        return Fma.MultiplyAddNegated(Avx.ConvertToVector256Single(minSums), dmin * ydv, acc);
    }

    /// <summary>Chunk c (sub-blocks 2c and 2c + 1) of one block against one token, scaled, as int32 per row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Chunk1(ref byte gb, ref byte qs, int c)
    {
        var mask = Vector256.Create((byte)0x0F);
        var low = Vector256<short>.Zero;
        var high = Vector256<short>.Zero;
        for (int q = 0; q < 8; q++)
        {
            var packed = Vector256.LoadUnsafe(ref gb, (nuint)(32 * (8 * c + q)));
            low += Avx2.MultiplyAddAdjacent(packed & mask, RowGroups.BroadcastQuad(ref qs, 64 * c + 4 * q));
            high += Avx2.MultiplyAddAdjacent(KQuantSimd.ShiftRightMask(packed, 4, mask), RowGroups.BroadcastQuad(ref qs, 64 * c + 32 + 4 * q));
        }
        return Avx2.MultiplyAddAdjacent(low, Bytes16(ref gb, GroupScalesOffset + 32 * c))
            + Avx2.MultiplyAddAdjacent(high, Bytes16(ref gb, GroupScalesOffset + 32 * c + 16));
    }

    private static Vector256<float> GroupToken1(ref byte group, ref byte a, int blocks)
    {
        var acc = Vector256<float>.Zero;
        for (int b = 0; b < blocks; b++)
        {
            ref byte gb = ref Unsafe.Add(ref group, b * GroupBlockBytes);
            WeightPrefetch.Ahead(ref gb, GroupBlockBytes);
            ref byte yb = ref Unsafe.Add(ref a, b * BlockQ8_K.ByteLength);
            ref byte qs = ref Unsafe.Add(ref yb, BlockQ8_K.QsOffset);
            var sums = Chunk1(ref gb, ref qs, 0) + Chunk1(ref gb, ref qs, 1) + Chunk1(ref gb, ref qs, 2) + Chunk1(ref gb, ref qs, 3);
            acc = Accumulate(sums, MinSums(ref gb, ref yb), Halves8(ref gb, GroupDOffset), Halves8(ref gb, GroupDMinOffset),
                Unsafe.ReadUnaligned<float>(ref yb), acc);
        }
        return acc;
    }

    /// <summary>Chunk c of one block against four tokens: each unpacked vector serves the four.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Chunk4(ref byte gb, ref byte q0, ref byte q1, ref byte q2, ref byte q3, int c,
        ref Vector256<int> sum0, ref Vector256<int> sum1, ref Vector256<int> sum2, ref Vector256<int> sum3)
    {
        var mask = Vector256.Create((byte)0x0F);
        Vector256<short> low0 = default, low1 = default, low2 = default, low3 = default;
        Vector256<short> high0 = default, high1 = default, high2 = default, high3 = default;
        for (int q = 0; q < 8; q++)
        {
            var packed = Vector256.LoadUnsafe(ref gb, (nuint)(32 * (8 * c + q)));
            var low = packed & mask;
            int lowOffset = 64 * c + 4 * q;
            low0 += Avx2.MultiplyAddAdjacent(low, RowGroups.BroadcastQuad(ref q0, lowOffset));
            low1 += Avx2.MultiplyAddAdjacent(low, RowGroups.BroadcastQuad(ref q1, lowOffset));
            low2 += Avx2.MultiplyAddAdjacent(low, RowGroups.BroadcastQuad(ref q2, lowOffset));
            low3 += Avx2.MultiplyAddAdjacent(low, RowGroups.BroadcastQuad(ref q3, lowOffset));
            var high = KQuantSimd.ShiftRightMask(packed, 4, mask);
            high0 += Avx2.MultiplyAddAdjacent(high, RowGroups.BroadcastQuad(ref q0, lowOffset + 32));
            high1 += Avx2.MultiplyAddAdjacent(high, RowGroups.BroadcastQuad(ref q1, lowOffset + 32));
            high2 += Avx2.MultiplyAddAdjacent(high, RowGroups.BroadcastQuad(ref q2, lowOffset + 32));
            high3 += Avx2.MultiplyAddAdjacent(high, RowGroups.BroadcastQuad(ref q3, lowOffset + 32));
        }
        var lowScales = Bytes16(ref gb, GroupScalesOffset + 32 * c);
        var highScales = Bytes16(ref gb, GroupScalesOffset + 32 * c + 16);
        sum0 += Avx2.MultiplyAddAdjacent(low0, lowScales) + Avx2.MultiplyAddAdjacent(high0, highScales);
        sum1 += Avx2.MultiplyAddAdjacent(low1, lowScales) + Avx2.MultiplyAddAdjacent(high1, highScales);
        sum2 += Avx2.MultiplyAddAdjacent(low2, lowScales) + Avx2.MultiplyAddAdjacent(high2, highScales);
        sum3 += Avx2.MultiplyAddAdjacent(low3, lowScales) + Avx2.MultiplyAddAdjacent(high3, highScales);
    }

    private static void GroupTokens4(ref byte group, ref byte a, int activationBytes, int blocks,
        out Vector256<float> acc0, out Vector256<float> acc1, out Vector256<float> acc2, out Vector256<float> acc3)
    {
        ref byte a1 = ref Unsafe.Add(ref a, activationBytes);
        ref byte a2 = ref Unsafe.Add(ref a, 2 * activationBytes);
        ref byte a3 = ref Unsafe.Add(ref a, 3 * activationBytes);
        acc0 = acc1 = acc2 = acc3 = Vector256<float>.Zero;
        for (int b = 0; b < blocks; b++)
        {
            ref byte gb = ref Unsafe.Add(ref group, b * GroupBlockBytes);
            int offset = b * BlockQ8_K.ByteLength;
            ref byte y0 = ref Unsafe.Add(ref a, offset);
            ref byte y1 = ref Unsafe.Add(ref a1, offset);
            ref byte y2 = ref Unsafe.Add(ref a2, offset);
            ref byte y3 = ref Unsafe.Add(ref a3, offset);
            ref byte q0 = ref Unsafe.Add(ref y0, BlockQ8_K.QsOffset);
            ref byte q1 = ref Unsafe.Add(ref y1, BlockQ8_K.QsOffset);
            ref byte q2 = ref Unsafe.Add(ref y2, BlockQ8_K.QsOffset);
            ref byte q3 = ref Unsafe.Add(ref y3, BlockQ8_K.QsOffset);
            // Integer sums in the order of GroupToken1's (exact either way): chunk 0 + 1 + 2 + 3.
            Vector256<int> sum0 = default, sum1 = default, sum2 = default, sum3 = default;
            Chunk4(ref gb, ref q0, ref q1, ref q2, ref q3, 0, ref sum0, ref sum1, ref sum2, ref sum3);
            Chunk4(ref gb, ref q0, ref q1, ref q2, ref q3, 1, ref sum0, ref sum1, ref sum2, ref sum3);
            Chunk4(ref gb, ref q0, ref q1, ref q2, ref q3, 2, ref sum0, ref sum1, ref sum2, ref sum3);
            Chunk4(ref gb, ref q0, ref q1, ref q2, ref q3, 3, ref sum0, ref sum1, ref sum2, ref sum3);
            var d = Halves8(ref gb, GroupDOffset);
            var dmin = Halves8(ref gb, GroupDMinOffset);
            acc0 = Accumulate(sum0, MinSums(ref gb, ref y0), d, dmin, Unsafe.ReadUnaligned<float>(ref y0), acc0);
            acc1 = Accumulate(sum1, MinSums(ref gb, ref y1), d, dmin, Unsafe.ReadUnaligned<float>(ref y1), acc1);
            acc2 = Accumulate(sum2, MinSums(ref gb, ref y2), d, dmin, Unsafe.ReadUnaligned<float>(ref y2), acc2);
            acc3 = Accumulate(sum3, MinSums(ref gb, ref y3), d, dmin, Unsafe.ReadUnaligned<float>(ref y3), acc3);
        }
    }
}
