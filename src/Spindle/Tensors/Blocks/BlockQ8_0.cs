using System.Runtime.InteropServices;
using Spindle.Tensors.Kernels;

namespace Spindle.Tensors.Blocks;

/// <summary>ggml block_q8_0 (34 bytes): 32 values as signed 8-bit quants q with value d * q, in element order.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct BlockQ8_0
{
    public const int ElementCount = 32;

    public Half D;
    public SBytes32 Qs;

    /// <summary>ggml dequantize_row_q8_0.</summary>
    public static void Dequantize(ReadOnlySpan<BlockQ8_0> blocks, Span<float> destination)
    {
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            float d = (float)b.D;
            var y = destination.Slice(i * ElementCount, ElementCount);
            for (int j = 0; j < ElementCount; j++) y[j] = b.Qs[j] * d;
        }
    }

    /// <summary>
    /// ggml quantize_row_q8_0_ref (what llama-quantize writes): d = amax / 127, quants = roundf(x / d), i.e. with
    /// id = 1 / d and ties rounded away from zero. Activations use <see cref="Q8ActivationQuantizer"/> instead,
    /// which follows llama.cpp's x86 path.
    /// </summary>
    public static void QuantizeReference(ReadOnlySpan<float> source, Span<BlockQ8_0> blocks)
    {
        for (int i = 0; i < blocks.Length; i++)
        {
            var x = source.Slice(i * ElementCount, ElementCount);
            float amax = 0;
            for (int j = 0; j < ElementCount; j++) amax = MathF.Max(amax, MathF.Abs(x[j]));
            float d = amax / 127;
            float id = d != 0 ? 1.0f / d : 0.0f;
            ref var b = ref blocks[i];
            b.D = (Half)d;
            for (int j = 0; j < ElementCount; j++)
                b.Qs[j] = (sbyte)MathF.Round(x[j] * id, MidpointRounding.AwayFromZero);
        }
    }
}
