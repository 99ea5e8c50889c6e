using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Spindle.Tensors.Ops;

/// <summary>
/// Softmax as ggml's CPU soft_max computes it (ggml_vec_soft_max_f32 built for AVX-512): exp by ggml_v_expf, a
/// polynomial with its own rounding (not a correctly rounded expf), over 16-lane chunks whose sums (reduced as
/// _mm512_reduce_add_ps) are added in double;
/// then every value is multiplied by (float)(1 / sum). Used where llama.cpp rounds the probabilities to F16 next, so
/// that ulp-level differences do not move a probability across an F16 rounding boundary.
/// </summary>
public static class GgmlSoftmax
{
    /// <param name="halfResult">The caller rounds the probabilities to F16 next (an F16 value cache): exps below
    /// 2^-100 are then made exact zeros instead of being computed. After the division by the sum (≥ 1) they would be
    /// below F16's smallest subnormal and round to zero anyway, and added to the sum (held in double, ≥ 1) they change
    /// nothing; computing them meant fp32 denormal results and operands, each a microcode assist — with thousands of
    /// cached slots and peaked scores, most of a softmax.</param>
    public static void InPlace(Span<float> values, bool halfResult = false)
    {
        if (halfResult) InPlace<FlushTiny>(values);
        else InPlace<KeepTiny>(values);
    }

    private interface ITinyExps
    {
        static abstract bool Flush { get; }
    }

    private readonly struct FlushTiny : ITinyExps
    {
        public static bool Flush => true;
    }

    private readonly struct KeepTiny : ITinyExps
    {
        public static bool Flush => false;
    }

    private static void InPlace<TTiny>(Span<float> values) where TTiny : struct, ITinyExps
    {
        if (values.IsEmpty) return;
        var maxVector = Vector256.Create(TensorPrimitives.Max(values));
        ref float x = ref MemoryMarshal.GetReference(values);
        double sum = 0;
        int i = 0;
        for (; i + 16 <= values.Length; i += 16)
        {
            var low = Exp<TTiny>(Vector256.LoadUnsafe(ref x, (nuint)i) - maxVector);
            var high = Exp<TTiny>(Vector256.LoadUnsafe(ref x, (nuint)(i + 8)) - maxVector);
            low.StoreUnsafe(ref x, (nuint)i);
            high.StoreUnsafe(ref x, (nuint)(i + 8));
            sum += ReduceAdd16(low, high);
        }
        if (i < values.Length)
        {
            // ggml's rows are padded with masked (-inf) slots, whose exp is 0: the tail chunk is padded the same way.
            Span<float> chunk = stackalloc float[16];
            chunk.Fill(float.NegativeInfinity);
            var tail = values.Slice(i);
            tail.CopyTo(chunk);
            var low = Exp<TTiny>(Vector256.Create<float>(chunk) - maxVector);
            var high = Exp<TTiny>(Vector256.Create<float>(chunk.Slice(8)) - maxVector);
            sum += ReduceAdd16(low, high);
            low.CopyTo(chunk);
            high.CopyTo(chunk.Slice(8));
            chunk.Slice(0, tail.Length).CopyTo(tail);
        }
        TensorPrimitives.Multiply(values, (float)(1.0 / sum), values);
    }

    /// <summary>_mm512_reduce_add_ps of 16 lanes held as (low, high): halves added pairwise, 16 → 8 → 4 → 2 → 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float ReduceAdd16(Vector256<float> low, Vector256<float> high)
    {
        var eight = low + high;
        var four = eight.GetLower() + eight.GetUpper();
        return (four.GetElement(0) + four.GetElement(2)) + (four.GetElement(1) + four.GetElement(3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Bits(uint bits) => BitConverter.UInt32BitsToSingle(bits);

    /// <summary>
    /// ggml_v_expf, AVX-512 form: a degree-5 polynomial in the reduced argument scaled by 2^n (vscalefps); max error
    /// 1.45 + 0.5 ulp; |n| &gt; 192 flushes to 0 or infinity.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x) => Exp<KeepTiny>(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Exp<TTiny>(Vector256<float> x) where TTiny : struct, ITinyExps
    {
        var r = Vector256.Create(Bits(0x4B400000));
        var z = Vector256.FusedMultiplyAdd(x, Vector256.Create(Bits(0x3FB8AA3B)), r);
        var n = z - r;
        var b = Vector256.FusedMultiplyAdd(-n, Vector256.Create(Bits(0x35BFBE8E)),
            Vector256.FusedMultiplyAdd(-n, Vector256.Create(Bits(0x3F317200)), x));
        var u = b * b;
        var j = Vector256.FusedMultiplyAdd(
            Vector256.FusedMultiplyAdd(
                Vector256.FusedMultiplyAdd(Vector256.Create(Bits(0x3C072010)), b, Vector256.Create(Bits(0x3D2B9F17))), u,
                Vector256.FusedMultiplyAdd(Vector256.Create(Bits(0x3E2AAF33)), b, Vector256.Create(Bits(0x3EFFFEDB)))),
            u, Vector256.FusedMultiplyAdd(Vector256.Create(Bits(0x3F7FFFF6)), b, Vector256<float>.One));
        // vscalefps: j × 2^n, n integral; two steps below 2^-126 keep the power of two representable.
        var exponent = Vector256.ConvertToInt32(n);
        if (TTiny.Flush)
        {
            // Lanes below 2^-100 become 0; the others are exactly the general path's (j × 2^n, n ≥ −100).
            var normalPower = ((Vector256.Max(exponent, Vector256.Create(-100)) + Vector256.Create(127)) << 23).AsSingle();
            var kept = Vector256.ConditionalSelect(Vector256.LessThan(n, Vector256.Create(-100f)), Vector256<float>.Zero, j * normalPower);
            var tooLarge = Vector256.GreaterThan(n, Vector256.Create(192f));
            return tooLarge == Vector256<float>.Zero ? kept : Vector256.ConditionalSelect(tooLarge, Vector256.Create(float.PositiveInfinity), kept);
        }
        var small = Vector256.LessThan(exponent, Vector256.Create(-126));
        var shifted = Vector256.ConditionalSelect(small, exponent + Vector256.Create(64), exponent);
        var power = ((Vector256.Max(shifted, Vector256.Create(-126)) + Vector256.Create(127)) << 23).AsSingle();
        var scaled = j * power;
        scaled = Vector256.ConditionalSelect(small.AsSingle(), scaled * Vector256.Create(Bits(0x1F800000)), scaled);
        var overflow = Vector256.GreaterThan(Vector256.Abs(n), Vector256.Create(192f));
        if (overflow == Vector256<float>.Zero) return scaled;
        var flushed = Vector256.ConditionalSelect(Vector256.LessThanOrEqual(n, Vector256<float>.Zero),
            Vector256<float>.Zero, Vector256.Create(float.PositiveInfinity));
        return Vector256.ConditionalSelect(overflow, flushed, scaled);
    }
}
