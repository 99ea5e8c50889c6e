using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Spindle.Tensors.Blocks;

namespace Spindle.Tensors.Kernels;

/// <summary>How a 16-bit float format (F16 or BF16) widens to fp32, exactly; implemented by structs so kernels specialize.</summary>
internal interface IHalfWidening
{
    static abstract GgmlType Type { get; }

    static abstract float ToSingle(ushort bits);

    static abstract ushort FromSingle(float value);

    /// <summary>True when the 512-bit widening is slower than two 256-bit ones, so the AVX-512 kernel runs the AVX2 loop.</summary>
    static abstract bool PrefersAvx2 { get; }

    /// <summary>8 values, each zero-extended into an int32 lane (AVX2 vpmovzxwd), to fp32.</summary>
    static abstract Vector256<float> ToSingle(Vector256<uint> bits);

    /// <summary>16 values, each zero-extended into an int32 lane, to fp32.</summary>
    static abstract Vector512<float> ToSingle(Vector512<uint> bits);
}

/// <summary>IEEE binary16. .NET 10 exposes no vcvtph2ps, so the vector forms rebias in integer arithmetic
/// (exact for normals, subnormals, zeros, infinities and NaN; tested over all 65536 patterns).</summary>
internal readonly struct F16Widening : IHalfWidening
{
    public static GgmlType Type => GgmlType.F16;

    // Measured on this Zen 4 with .NET 10: the 512-bit form of this widening ran 10-20x slower than the 256-bit one.
    public static bool PrefersAvx2 => true;

    public static float ToSingle(ushort bits) => HalfBits.ToSingle(bits);

    // Round to nearest even, as ggml's fp32→fp16 (F16C _cvtss_sh with rounding mode 0).
    public static ushort FromSingle(float value) => BitConverter.HalfToUInt16Bits((Half)value);

    // Magnitude bits shifted into fp32 position, plus the bias difference, are the fp32 value for normals; the exponent
    // of infinity/NaN is forced to all ones. Subnormals (exponent 0) are read with the exponent of 2^-14 and have 2^-14
    // taken off, as HalfBits does. No operand is ever an fp32 denormal: the shorter rebias by a multiply (magnitude
    // as a float times 2^112) fed fp16 subnormals to vmulps as fp32 denormals, and each such multiply took a
    // microcode assist. Q8_0 matrices with subnormal block scales (small output projections) ran 1.6x slower for it.
    private const uint InfinityBits = 0x0F800000;   // binary16 exponent all ones, shifted left 13
    private const uint BiasDifference = 0x38000000; // (127 - 15) << 23
    private const float SubnormalOffset = 6.103515625e-05f; // 2^-14, the exponent subnormals are read with

    // Forced inline: NativeAOT otherwise calls it once per group of 8 blocks in the Q8 kernels' loops.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToSingle(Vector256<uint> bits)
    {
        var magnitude = (bits & Vector256.Create(0x7FFFu)) << 13;
        var normal = magnitude + Vector256.Create(BiasDifference);
        var special = Vector256.GreaterThanOrEqual(magnitude.AsInt32(), Vector256.Create((int)InfinityBits)).AsUInt32() & Vector256.Create(0x7F800000u);
        var subnormal = (normal + Vector256.Create(0x00800000u)).AsSingle() - Vector256.Create(SubnormalOffset);
        var isSubnormal = Vector256.LessThan(magnitude.AsInt32(), Vector256.Create(0x00800000));
        var value = Vector256.ConditionalSelect(isSubnormal.AsSingle(), subnormal, (normal | special).AsSingle());
        return (value.AsUInt32() | ((bits & Vector256.Create(0x8000u)) << 16)).AsSingle();
    }

    public static Vector512<float> ToSingle(Vector512<uint> bits) =>
        VectorJoin.Join(ToSingle(bits.GetLower()), ToSingle(bits.GetUpper()));
}

/// <summary>bfloat16: the high half of an fp32, so widening is a 16-bit shift.</summary>
internal readonly struct BF16Widening : IHalfWidening
{
    public static GgmlType Type => GgmlType.BF16;

    public static bool PrefersAvx2 => false;

    public static float ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>ggml_compute_fp32_to_bf16: round to nearest even; NaN keeps its sign and is forced quiet.</summary>
    public static ushort FromSingle(float value)
    {
        uint u = BitConverter.SingleToUInt32Bits(value);
        if ((u & 0x7FFFFFFF) > 0x7F800000) return (ushort)((u >> 16) | 64);
        return (ushort)((u + (0x7FFF + ((u >> 16) & 1))) >> 16);
    }

    public static Vector256<float> ToSingle(Vector256<uint> bits) => (bits << 16).AsSingle();

    public static Vector512<float> ToSingle(Vector512<uint> bits) => (bits << 16).AsSingle();
}
