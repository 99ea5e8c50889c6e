using System.Runtime.InteropServices;
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
}
