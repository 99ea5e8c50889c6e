using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Spindle.Tensors.Ops;

/// <summary>
/// Rounds fp32 values to the nearest binary16 value (ties to even, subnormals, overflow to infinity), keeping them in
/// fp32: the value an fp32 → fp16 → fp32 round trip gives. Used where llama.cpp keeps an accumulator in F16, so the
/// accumulator can stay in fp32 registers between steps. .NET 10 exposes no vcvtps2ph, so the vector form works on bits.
/// </summary>
public static class HalfRounding
{
    private const uint SmallestNormalBits = 0x38800000; // 2^-14, the smallest normal binary16
    private const uint LargestFiniteBits = 0x477FE000;  // 65504
    private const uint InfinityBits = 0x7F800000;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Round(float value) => (float)(Half)value;

    /// <summary>Rounds <paramref name="length"/> values at <paramref name="values"/> in place.</summary>
    public static void RoundInPlace(ref float values, int length)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= length - Vector256<float>.Count; i += Vector256<float>.Count)
                Round(Vector256.LoadUnsafe(ref values, (nuint)i)).StoreUnsafe(ref values, (nuint)i);
        }
        for (; i < length; i++) Unsafe.Add(ref values, i) = Round(Unsafe.Add(ref values, i));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Round(Vector256<float> value)
    {
        var bits = value.AsUInt32();
        var magnitude = bits & Vector256.Create(0x7FFFFFFFu);
        // Normal range: round the 23-bit mantissa to 10 bits, ties to even; a carry moves into the exponent correctly.
        var normal = (magnitude + Vector256.Create(0x0FFFu) + ((magnitude >> 13) & Vector256<uint>.One)) & Vector256.Create(~0x1FFFu);
        normal = Vector256.ConditionalSelect(
            Vector256.GreaterThan(normal, Vector256.Create(LargestFiniteBits)), Vector256.Create(InfinityBits), normal);
        // Subnormal range: multiples of 2^-24, whose spacing is the fp32 ulp of [0.5, 1), so adding 0.5 rounds.
        var subnormal = ((magnitude.AsSingle() + Vector256.Create(0.5f)) - Vector256.Create(0.5f)).AsUInt32();
        var rounded = Vector256.ConditionalSelect(Vector256.LessThan(magnitude, Vector256.Create(SmallestNormalBits)), subnormal, normal);
        rounded = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(magnitude, Vector256.Create(InfinityBits)), magnitude, rounded);
        return (rounded | (bits & Vector256.Create(0x80000000u))).AsSingle();
    }
}
