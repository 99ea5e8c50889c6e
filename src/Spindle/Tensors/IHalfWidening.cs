using System.Runtime.Intrinsics;

namespace Spindle.Tensors;

/// <summary>How a 16-bit float format (F16 or BF16) widens to fp32, exactly; implemented by structs so kernels specialize.</summary>
internal interface IHalfWidening
{
    static abstract GgmlType Type { get; }

    static abstract float ToSingle(ushort bits);

    static abstract ushort FromSingle(float value);

    /// <summary>8 values, each zero-extended into an int32 lane (AVX2 vpmovzxwd), to fp32.</summary>
    static abstract Vector256<float> ToSingle(Vector256<uint> bits);

    /// <summary>16 values, each zero-extended into an int32 lane, to fp32.</summary>
    static abstract Vector512<float> ToSingle(Vector512<uint> bits);
}

/// <summary>IEEE binary16. .NET 10 exposes no vcvtph2ps, so the vector forms rebias the exponent with integer ops
/// (exact for normals, subnormals, zeros, infinities and NaN).</summary>
internal readonly struct F16Widening : IHalfWidening
{
    public static GgmlType Type => GgmlType.F16;

    public static float ToSingle(ushort bits) => HalfBits.ToSingle(bits);

    // Round to nearest even, as ggml's fp32→fp16 (F16C _cvtss_sh with rounding mode 0).
    public static ushort FromSingle(float value) => BitConverter.HalfToUInt16Bits((Half)value);

    private const uint ExponentMask = 0x0F800000;   // binary16 exponent bits after shifting left 13
    private const uint Rebias = 0x38000000;         // (127 - 15) << 23
    private const uint SubnormalMagic = 0x38800000; // 2^-14 as fp32: renormalizes a subnormal by one subtraction

    public static Vector256<float> ToSingle(Vector256<uint> bits)
    {
        var sign = (bits & Vector256.Create(0x8000u)) << 16;
        var magnitude = (bits & Vector256.Create(0x7FFFu)) << 13;
        var exponent = magnitude & Vector256.Create(ExponentMask);
        var rebased = magnitude + Vector256.Create(Rebias);
        rebased += Vector256.Equals(exponent, Vector256.Create(ExponentMask)) & Vector256.Create(Rebias);
        var subnormal = ((rebased + Vector256.Create(0x00800000u)).AsSingle() - Vector256.Create(SubnormalMagic).AsSingle()).AsUInt32();
        var result = Vector256.ConditionalSelect(Vector256.Equals(exponent, Vector256<uint>.Zero), subnormal, rebased);
        return (result | sign).AsSingle();
    }

    public static Vector512<float> ToSingle(Vector512<uint> bits)
    {
        var sign = (bits & Vector512.Create(0x8000u)) << 16;
        var magnitude = (bits & Vector512.Create(0x7FFFu)) << 13;
        var exponent = magnitude & Vector512.Create(ExponentMask);
        var rebased = magnitude + Vector512.Create(Rebias);
        rebased += Vector512.Equals(exponent, Vector512.Create(ExponentMask)) & Vector512.Create(Rebias);
        var subnormal = ((rebased + Vector512.Create(0x00800000u)).AsSingle() - Vector512.Create(SubnormalMagic).AsSingle()).AsUInt32();
        var result = Vector512.ConditionalSelect(Vector512.Equals(exponent, Vector512<uint>.Zero), subnormal, rebased);
        return (result | sign).AsSingle();
    }
}

/// <summary>bfloat16: the high half of an fp32, so widening is a 16-bit shift.</summary>
internal readonly struct BF16Widening : IHalfWidening
{
    public static GgmlType Type => GgmlType.BF16;

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
