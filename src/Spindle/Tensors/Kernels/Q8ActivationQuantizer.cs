using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Spindle.Tensors.Blocks;

namespace Spindle.Tensors.Kernels;

/// <summary>
/// Quantizes activation rows to Q8_0 / Q8_1 exactly as llama.cpp's x86 CPU backend does (quantize_row_q8_0/_1 in
/// ggml-cpu/arch/x86/quants.c), which differs from the file-writing reference in two ways that change quants:
/// the multiplier is 127 / amax (not 1 / fp32(amax / 127)) and rounding is to nearest even (_mm256_round_ps),
/// not roundf's half away from zero. d is still fp16(amax / 127); Q8_1's S is fp16(d * sum(q)) with the fp32 d.
/// </summary>
public static class Q8ActivationQuantizer
{
    private const int BlockLength = 32;

    /// <summary><paramref name="destination"/> holds source.Length / 32 <see cref="BlockQ8_0"/> blocks.</summary>
    public static void QuantizeQ8_0(ReadOnlySpan<float> source, Span<byte> destination)
    {
        var blocks = MemoryMarshal.Cast<byte, BlockQ8_0>(destination);
        for (int i = 0; i < blocks.Length; i++)
        {
            ref var b = ref blocks[i];
            b.D = QuantizeBlock(source.Slice(i * BlockLength, BlockLength), b.Qs, out _);
        }
    }

    /// <summary><paramref name="destination"/> holds source.Length / 32 <see cref="BlockQ8_1"/> blocks.</summary>
    public static void QuantizeQ8_1(ReadOnlySpan<float> source, Span<byte> destination)
    {
        var blocks = MemoryMarshal.Cast<byte, BlockQ8_1>(destination);
        for (int i = 0; i < blocks.Length; i++)
        {
            ref var b = ref blocks[i];
            b.D = QuantizeBlock(source.Slice(i * BlockLength, BlockLength), b.Qs, out float dTimesSum);
            b.S = (Half)dTimesSum;
        }
    }

    private static Half QuantizeBlock(ReadOnlySpan<float> x, Span<sbyte> qs, out float dTimesSum)
    {
        if (Avx2.IsSupported) return QuantizeBlockAvx2(x, qs, out dTimesSum);
        float amax = 0;
        for (int j = 0; j < BlockLength; j++) amax = MathF.Max(amax, MathF.Abs(x[j]));
        float d = amax / 127f;
        float id = amax != 0 ? 127f / amax : 0f;
        int sum = 0;
        for (int j = 0; j < BlockLength; j++)
        {
            int q = (int)MathF.Round(x[j] * id, MidpointRounding.ToEven);
            qs[j] = (sbyte)q;
            sum += q;
        }
        dTimesSum = d * sum;
        return (Half)d;
    }

    /// <summary>The same operations eight lanes at a time (as quantize_row_q8_0's AVX2 path): identical results.</summary>
    private static Half QuantizeBlockAvx2(ReadOnlySpan<float> x, Span<sbyte> qs, out float dTimesSum)
    {
        ref float p = ref MemoryMarshal.GetReference(x);
        var v0 = Vector256.LoadUnsafe(ref p);
        var v1 = Vector256.LoadUnsafe(ref p, 8);
        var v2 = Vector256.LoadUnsafe(ref p, 16);
        var v3 = Vector256.LoadUnsafe(ref p, 24);
        var max = Vector256.Max(Vector256.Max(Vector256.Abs(v0), Vector256.Abs(v1)), Vector256.Max(Vector256.Abs(v2), Vector256.Abs(v3)));
        var m4 = Vector128.Max(max.GetLower(), max.GetUpper());
        float amax = MathF.Max(MathF.Max(m4.GetElement(0), m4.GetElement(1)), MathF.Max(m4.GetElement(2), m4.GetElement(3)));
        float d = amax / 127f;
        var id = Vector256.Create(amax != 0 ? 127f / amax : 0f);
        var i0 = Avx.ConvertToVector256Int32(Avx.RoundToNearestInteger(v0 * id));
        var i1 = Avx.ConvertToVector256Int32(Avx.RoundToNearestInteger(v1 * id));
        var i2 = Avx.ConvertToVector256Int32(Avx.RoundToNearestInteger(v2 * id));
        var i3 = Avx.ConvertToVector256Int32(Avx.RoundToNearestInteger(v3 * id));
        int sum = Vector256.Sum(i0 + i1 + i2 + i3);
        // Pack 32 int32 → 32 int8; the packs interleave 128-bit lanes, which one permute restores.
        var packed = Avx2.PackSignedSaturate(Avx2.PackSignedSaturate(i0, i1), Avx2.PackSignedSaturate(i2, i3));
        packed = Avx2.PermuteVar8x32(packed.AsInt32(), Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7)).AsSByte();
        packed.StoreUnsafe(ref MemoryMarshal.GetReference(qs));
        dTimesSum = d * sum;
        return (Half)d;
    }
}
