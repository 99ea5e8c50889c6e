using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Spindle.Tensors.Blocks;

namespace Spindle.Tensors.Kernels;

/// <summary>
/// F32 weights against F32 activations. The product goes through the weight rows four at a time, and for each group of
/// four rows through the tokens in tiles of three (twelve accumulators in registers, each weight and activation vector
/// loaded once per tile), then pairs, and one tile of one only for a single token (decode). So a batch of tokens
/// (prefill, a speculative verification pass) reads each weight row from memory once, and from cache once per three
/// tokens. Every (row, token) result is one chain of 8-lane fused multiply-adds over the row in k order, the same lane
/// sum, then the scalar tail, whatever tile computed it: decode, prefill and any batch give the same bits.
/// <para>
/// Short rows (64 floats: eight multiply-adds per result) spent much of their time summing lanes one result at a time,
/// so the vector path sums eight results at a time with lane shuffles (<see cref="TransposedLaneSums"/>), the same
/// additions in the same order; their groups are one run of memory, asked for a few groups ahead.
/// </para>
/// <para>
/// Long rows (32768 floats, the grown models' down matrix) are read once per token tile, from L3. Going through them in
/// chunks of the inner dimension, each (row, token) accumulator kept in scratch between chunks so a group's chunk stays
/// in cache across the token tiles, was measured and not kept: 5–10% faster for 8 to 32 tokens (chunks of 4096–8192
/// floats), slower with chunks of 512–1024 or with the chunk of activations or weights first copied to a padded layout
/// (rows 128 KiB apart all fall in the same cache sets; the copy cost more than it saved).
/// </para>
/// </summary>
public sealed class F32Kernel : WeightKernel
{
    public static readonly F32Kernel Instance = new(KernelIsaSupport.Best);

    // Groups of at most this many bytes (rows of up to 256 floats) are prefetched a group at a time (WeightPrefetch:
    // 2 KiB ahead). For 32768 rows of 64 (the FFN gate and up of a grown stories260K) it made the kernel alone 1.2–1.5×
    // faster for 1 to 8 tokens and no different at 16 (single thread, alternating runs). Rows of 32768 were slower with
    // prefetches along each row (up to 1.4× at one token): the hardware prefetcher already follows four long streams.
    private const int GroupPrefetchBytes = 4096;

    private readonly KernelIsa _isa;

    /// <param name="isa">Scalar sums each result's lanes on its own; the vector tiers sum eight at a time with AVX
    /// shuffles. Every tier multiplies with the same 8-lane fused multiply-adds, so all give the same bits.</param>
    internal F32Kernel(KernelIsa isa) => _isa = KernelIsaSupport.Require(isa);

    internal KernelIsa Isa => _isa;

    public override GgmlType Type => GgmlType.F32;

    public override GgmlType ActivationType => GgmlType.F32;

    public override void DequantizeRow(ReadOnlySpan<byte> row, Span<float> destination) =>
        MemoryMarshal.Cast<byte, float>(row).CopyTo(destination);

    public override void PrepareActivation(ReadOnlySpan<float> source, Span<byte> destination) =>
        MemoryMarshal.AsBytes(source).CopyTo(destination);

    public override float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<byte> activation, int rowLength)
    {
        ref float w = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<byte, float>(row));
        ref float a = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<byte, float>(activation));
        if ((long)row.Length < rowLength * 4L || (long)activation.Length < rowLength * 4L) throw new ArgumentException("row shorter than rowLength");
        int vectorEnd = rowLength & ~7;
        var acc = Vector256<float>.Zero;
        for (int k = 0; k < vectorEnd; k += 8) acc = Fma(ref w, ref a, k, acc);
        return Tail(LaneSum(acc), ref w, ref a, vectorEnd, rowLength);
    }

    public override void MatMul(
        ReadOnlySpan<byte> weightRows, int rowCount, int rowLength,
        ReadOnlySpan<byte> activations, int tokenCount,
        Span<float> output, int outputStride)
    {
        if ((long)weightRows.Length < (long)rowCount * rowLength * 4 || (long)activations.Length < (long)tokenCount * rowLength * 4)
            throw new ArgumentException("weights or activations shorter than the product needs");
        if (tokenCount > 0 && (long)output.Length < (long)(tokenCount - 1) * outputStride + rowCount)
            throw new ArgumentException("output shorter than the product needs", nameof(output));
        if (tokenCount <= 0 || rowCount <= 0) return;
        ref float w = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<byte, float>(weightRows));
        ref float a = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<byte, float>(activations));
        ref float o = ref MemoryMarshal.GetReference(output);
        if (_isa == KernelIsa.Scalar) Multiply<EachLaneSum>(ref w, ref a, ref o, rowCount, rowLength, tokenCount, outputStride);
        else Multiply<TransposedLaneSums>(ref w, ref a, ref o, rowCount, rowLength, tokenCount, outputStride);
    }

    private static void Multiply<TSums>(ref float w, ref float a, ref float o, int rowCount, int n, int tokenCount, int stride)
        where TSums : struct, ILaneSums
    {
        int vectorEnd = n & ~7;
        int tiledRows = rowCount & ~3;
        bool prefetch = Sse.IsSupported && 16L * n <= GroupPrefetchBytes;
        Groups<TSums>(ref w, ref a, ref o, tiledRows / 4, n, stride, new TokenTiles(tokenCount), prefetch);
        if (vectorEnd < n)
        {
            // The scalar tails, each after its result's lane sum, as in Dot.
            for (int t = 0; t < tokenCount; t++)
            {
                ref float act = ref Unsafe.Add(ref a, (nint)t * n);
                ref float results = ref Unsafe.Add(ref o, (nint)t * stride);
                for (int r = 0; r < tiledRows; r++)
                    Unsafe.Add(ref results, r) = Tail(Unsafe.Add(ref results, r), ref Unsafe.Add(ref w, (nint)r * n), ref act, vectorEnd, n);
            }
        }
        // The last rowCount % 4 rows one result at a time; a row stays in cache across the tokens.
        for (int r = tiledRows; r < rowCount; r++)
        {
            ref float row = ref Unsafe.Add(ref w, (nint)r * n);
            for (int t = 0; t < tokenCount; t++)
            {
                ref float act = ref Unsafe.Add(ref a, (nint)t * n);
                var acc = Vector256<float>.Zero;
                for (int k = 0; k < vectorEnd; k += 8) acc = Fma(ref row, ref act, k, acc);
                Unsafe.Add(ref o, (nint)t * stride + r) = Tail(LaneSum(acc), ref row, ref act, vectorEnd, n);
            }
        }
    }

    /// <summary>
    /// The vector parts of <paramref name="groups"/> groups of four rows of <paramref name="rowLength"/> floats against
    /// every token, one group at a time, so its rows stay in L1 while the token tiles pass over them. The tiles are
    /// inlined into this one loop: with rows of 64 a tile is about a hundred instructions, and calls per group and per
    /// tile made the one-token product 1.4× slower (weights in cache).
    /// </summary>
    private static void Groups<TSums>(ref float w, ref float a, ref float o, int groups, int rowLength, int outputStride, TokenTiles tiles, bool prefetch)
        where TSums : struct, ILaneSums
    {
        nint n = rowLength;
        nint stride = outputStride;
        for (int g = 0; g < groups; g++)
        {
            ref float w0 = ref Unsafe.Add(ref w, g * 4 * n);
            ref float og = ref Unsafe.Add(ref o, g * 4);
            if (prefetch) WeightPrefetch.Ahead(ref Unsafe.As<float, byte>(ref w0), 16 * rowLength);
            int t = 0;
            for (int i = 0; i < tiles.Triples; i++, t += 3)
                Tile4x3<TSums>(ref w0, ref Unsafe.Add(ref a, t * n), ref Unsafe.Add(ref og, t * stride), n, stride);
            for (int i = 0; i < tiles.Pairs; i++, t += 2)
                Tile4x2<TSums>(ref w0, ref Unsafe.Add(ref a, t * n), ref Unsafe.Add(ref og, t * stride), n, stride);
            if (tiles.Single)
                Tile4x1<TSums>(ref w0, ref Unsafe.Add(ref a, t * n), ref Unsafe.Add(ref og, t * stride), n);
        }
    }

    /// <summary>
    /// Rows 0-3 at <paramref name="w0"/> against tokens 0-2 at <paramref name="a0"/> (both <paramref name="n"/> floats
    /// apart) over their vector part; the lane sums go to rows 0-3 of token j at <paramref name="o0"/> + j · stride.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile4x3<TSums>(ref float w0, ref float a0, ref float o0, nint n, nint stride)
        where TSums : struct, ILaneSums
    {
        ref float w1 = ref Unsafe.Add(ref w0, n);
        ref float w2 = ref Unsafe.Add(ref w1, n);
        ref float w3 = ref Unsafe.Add(ref w2, n);
        ref float a1 = ref Unsafe.Add(ref a0, n);
        ref float a2 = ref Unsafe.Add(ref a1, n);
        Vector256<float> c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;
        c00 = c01 = c02 = c10 = c11 = c12 = c20 = c21 = c22 = c30 = c31 = c32 = Vector256<float>.Zero;
        for (nint k = 0, end = n & ~7; k < end; k += 8)
        {
            var x0 = Load(ref a0, k);
            var x1 = Load(ref a1, k);
            var x2 = Load(ref a2, k);
            var v = Load(ref w0, k);
            c00 = Vector256.FusedMultiplyAdd(v, x0, c00);
            c01 = Vector256.FusedMultiplyAdd(v, x1, c01);
            c02 = Vector256.FusedMultiplyAdd(v, x2, c02);
            v = Load(ref w1, k);
            c10 = Vector256.FusedMultiplyAdd(v, x0, c10);
            c11 = Vector256.FusedMultiplyAdd(v, x1, c11);
            c12 = Vector256.FusedMultiplyAdd(v, x2, c12);
            v = Load(ref w2, k);
            c20 = Vector256.FusedMultiplyAdd(v, x0, c20);
            c21 = Vector256.FusedMultiplyAdd(v, x1, c21);
            c22 = Vector256.FusedMultiplyAdd(v, x2, c22);
            v = Load(ref w3, k);
            c30 = Vector256.FusedMultiplyAdd(v, x0, c30);
            c31 = Vector256.FusedMultiplyAdd(v, x1, c31);
            c32 = Vector256.FusedMultiplyAdd(v, x2, c32);
        }
        ref float o1 = ref Unsafe.Add(ref o0, stride);
        TSums.Store8(c00, c10, c20, c30, c01, c11, c21, c31, ref o0, ref o1);
        TSums.Store4(c02, c12, c22, c32, ref Unsafe.Add(ref o1, stride));
    }

    /// <summary>As <see cref="Tile4x3{TSums}"/> for tokens 0-1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile4x2<TSums>(ref float w0, ref float a0, ref float o0, nint n, nint stride)
        where TSums : struct, ILaneSums
    {
        ref float w1 = ref Unsafe.Add(ref w0, n);
        ref float w2 = ref Unsafe.Add(ref w1, n);
        ref float w3 = ref Unsafe.Add(ref w2, n);
        ref float a1 = ref Unsafe.Add(ref a0, n);
        Vector256<float> c00, c01, c10, c11, c20, c21, c30, c31;
        c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = Vector256<float>.Zero;
        for (nint k = 0, end = n & ~7; k < end; k += 8)
        {
            var x0 = Load(ref a0, k);
            var x1 = Load(ref a1, k);
            var v = Load(ref w0, k);
            c00 = Vector256.FusedMultiplyAdd(v, x0, c00);
            c01 = Vector256.FusedMultiplyAdd(v, x1, c01);
            v = Load(ref w1, k);
            c10 = Vector256.FusedMultiplyAdd(v, x0, c10);
            c11 = Vector256.FusedMultiplyAdd(v, x1, c11);
            v = Load(ref w2, k);
            c20 = Vector256.FusedMultiplyAdd(v, x0, c20);
            c21 = Vector256.FusedMultiplyAdd(v, x1, c21);
            v = Load(ref w3, k);
            c30 = Vector256.FusedMultiplyAdd(v, x0, c30);
            c31 = Vector256.FusedMultiplyAdd(v, x1, c31);
        }
        TSums.Store8(c00, c10, c20, c30, c01, c11, c21, c31, ref o0, ref Unsafe.Add(ref o0, stride));
    }

    /// <summary>As <see cref="Tile4x3{TSums}"/> for token 0 alone (decode).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile4x1<TSums>(ref float w0, ref float a0, ref float o0, nint n)
        where TSums : struct, ILaneSums
    {
        ref float w1 = ref Unsafe.Add(ref w0, n);
        ref float w2 = ref Unsafe.Add(ref w1, n);
        ref float w3 = ref Unsafe.Add(ref w2, n);
        Vector256<float> c0, c1, c2, c3;
        c0 = c1 = c2 = c3 = Vector256<float>.Zero;
        for (nint k = 0, end = n & ~7; k < end; k += 8)
        {
            var x = Load(ref a0, k);
            c0 = Vector256.FusedMultiplyAdd(Load(ref w0, k), x, c0);
            c1 = Vector256.FusedMultiplyAdd(Load(ref w1, k), x, c1);
            c2 = Vector256.FusedMultiplyAdd(Load(ref w2, k), x, c2);
            c3 = Vector256.FusedMultiplyAdd(Load(ref w3, k), x, c3);
        }
        TSums.Store4(c0, c1, c2, c3, ref o0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Load(ref float p, nint k) => Vector256.LoadUnsafe(ref p, (nuint)k);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fma(ref float w, ref float a, int k, Vector256<float> acc) =>
        Vector256.FusedMultiplyAdd(Load(ref w, k), Load(ref a, k), acc);

    /// <summary>
    /// The one way every result's vector part ends: the upper half added to the lower, then lanes (0 + 2) + (1 + 3).
    /// <see cref="TransposedLaneSums"/> makes the same additions for eight results at once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float LaneSum(Vector256<float> acc)
    {
        var half = acc.GetLower() + acc.GetUpper();
        return (half.GetElement(0) + half.GetElement(2)) + (half.GetElement(1) + half.GetElement(3));
    }

    /// <summary>The scalar tail of a row, elements [vectorEnd, n) in order, fused into the lane sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Tail(float sum, ref float w, ref float a, int vectorEnd, int n)
    {
        for (int k = vectorEnd; k < n; k++) sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref w, k), Unsafe.Add(ref a, k), sum);
        return sum;
    }

    /// <summary>
    /// How a group's tokens split into tiles: as many 4×3 tiles as fit, then 4×2 tiles, a 4×1 tile only for a single
    /// token. One token over (3k + 1) becomes two 4×2 tiles instead of a 4×3 and a 4×1: the same loads, but eight
    /// independent chains keep both FMA pipes busy where four wait on the multiply-add latency.
    /// </summary>
    private readonly struct TokenTiles
    {
        public readonly int Triples;
        public readonly int Pairs;
        public readonly bool Single;

        public TokenTiles(int tokenCount)
        {
            int triples = tokenCount / 3;
            int rest = tokenCount - 3 * triples;
            if (rest == 1 && triples > 0)
            {
                triples--;
                rest += 3;
            }
            Triples = triples;
            Pairs = rest / 2;
            Single = (rest & 1) != 0;
        }
    }

    /// <summary>Stores the lane sums (<see cref="LaneSum"/>, bit for bit) of four or eight accumulators.</summary>
    private interface ILaneSums
    {
        /// <summary><c>o[i] = LaneSum(ci)</c> for i in 0..3.</summary>
        static abstract void Store4(Vector256<float> c0, Vector256<float> c1, Vector256<float> c2, Vector256<float> c3, ref float o);

        /// <summary><c>o[i] = LaneSum(ci)</c> and <c>p[i] = LaneSum(c(i + 4))</c> for i in 0..3.</summary>
        static abstract void Store8(
            Vector256<float> c0, Vector256<float> c1, Vector256<float> c2, Vector256<float> c3,
            Vector256<float> c4, Vector256<float> c5, Vector256<float> c6, Vector256<float> c7, ref float o, ref float p);
    }

    /// <summary>One result at a time: the portable path, and the reference the transposed sums must match.</summary>
    private readonly struct EachLaneSum : ILaneSums
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store4(Vector256<float> c0, Vector256<float> c1, Vector256<float> c2, Vector256<float> c3, ref float o)
        {
            o = LaneSum(c0);
            Unsafe.Add(ref o, 1) = LaneSum(c1);
            Unsafe.Add(ref o, 2) = LaneSum(c2);
            Unsafe.Add(ref o, 3) = LaneSum(c3);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store8(
            Vector256<float> c0, Vector256<float> c1, Vector256<float> c2, Vector256<float> c3,
            Vector256<float> c4, Vector256<float> c5, Vector256<float> c6, Vector256<float> c7, ref float o, ref float p)
        {
            Store4(c0, c1, c2, c3, ref o);
            Store4(c4, c5, c6, c7, ref p);
        }
    }

    /// <summary>
    /// Several results per instruction, by transposing: result j's lanes are e0..e7; the halves add first
    /// (h_i = e_i + e_(i+4), for four or eight results in one add), then unpacks pair up h0 with h2 and h1 with h3 of
    /// two results per add, and a last shuffle lines up (h0 + h2) against (h1 + h3) of four results per 128 bits.
    /// Each lane makes exactly the additions of <see cref="LaneSum"/>, with the same operands; AVX only.
    /// </summary>
    private readonly struct TransposedLaneSums : ILaneSums
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store4(Vector256<float> c0, Vector256<float> c1, Vector256<float> c2, Vector256<float> c3, ref float o)
        {
            Debug.Assert(Avx.IsSupported);
            var h0 = c0.GetLower() + c0.GetUpper();
            var h1 = c1.GetLower() + c1.GetUpper();
            var h2 = c2.GetLower() + c2.GetUpper();
            var h3 = c3.GetLower() + c3.GetUpper();
            // [h0[0] + h0[2], h1[0] + h1[2], h0[1] + h0[3], h1[1] + h1[3]], and the same for results 2 and 3.
            var s01 = Sse.UnpackLow(h0, h1) + Sse.UnpackHigh(h0, h1);
            var s23 = Sse.UnpackLow(h2, h3) + Sse.UnpackHigh(h2, h3);
            (Sse.MoveLowToHigh(s01, s23) + Sse.MoveHighToLow(s23, s01)).StoreUnsafe(ref o);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store8(
            Vector256<float> c0, Vector256<float> c1, Vector256<float> c2, Vector256<float> c3,
            Vector256<float> c4, Vector256<float> c5, Vector256<float> c6, Vector256<float> c7, ref float o, ref float p)
        {
            Debug.Assert(Avx.IsSupported);
            // [h(ci) | h(c(i + 4))]: lower halves side by side plus upper halves side by side.
            var p0 = Vector256.Create(c0.GetLower(), c4.GetLower()) + Avx.Permute2x128(c0, c4, 0x31);
            var p1 = Vector256.Create(c1.GetLower(), c5.GetLower()) + Avx.Permute2x128(c1, c5, 0x31);
            var p2 = Vector256.Create(c2.GetLower(), c6.GetLower()) + Avx.Permute2x128(c2, c6, 0x31);
            var p3 = Vector256.Create(c3.GetLower(), c7.GetLower()) + Avx.Permute2x128(c3, c7, 0x31);
            // Per 128-bit lane, as in Store4: results (0, 1) below and (4, 5) above; (2, 3) and (6, 7).
            var s01 = Avx.UnpackLow(p0, p1) + Avx.UnpackHigh(p0, p1);
            var s23 = Avx.UnpackLow(p2, p3) + Avx.UnpackHigh(p2, p3);
            // (h0 + h2) of results 0-3 | 4-7, plus (h1 + h3) of the same.
            var sums = Avx.Shuffle(s01, s23, 0x44) + Avx.Shuffle(s01, s23, 0xEE);
            sums.GetLower().StoreUnsafe(ref o);
            sums.GetUpper().StoreUnsafe(ref p);
        }
    }
}
