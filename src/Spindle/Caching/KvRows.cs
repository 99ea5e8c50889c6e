using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Spindle.Tensors.Blocks;
using Spindle.Tensors.Kernels;

namespace Spindle.Caching;

/// <summary>
/// Converts one head's row between fp32 and a cache type the way llama.cpp's ggml_cpy stores it: fp16 rounded to
/// nearest even, Q8_0 with the CPU backend's quantize_row_q8_0, Q4_0 with the reference quantizer.
/// </summary>
internal static class KvRows
{
    public static void Store(KvCacheType type, ReadOnlySpan<float> source, Span<byte> destination)
    {
        switch (type)
        {
            case KvCacheType.F16:
                TensorPrimitives.ConvertToHalf(source, MemoryMarshal.Cast<byte, Half>(destination));
                break;
            case KvCacheType.F32:
                MemoryMarshal.AsBytes(source).CopyTo(destination);
                break;
            case KvCacheType.Q8_0:
                Q8ActivationQuantizer.QuantizeQ8_0(source, destination);
                break;
            case KvCacheType.Q4_0:
                BlockQ4_0.QuantizeReference(source, MemoryMarshal.Cast<byte, BlockQ4_0>(destination));
                break;
        }
    }

    public static void Load(KvCacheType type, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (type)
        {
            case KvCacheType.F16:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), destination);
                break;
            case KvCacheType.F32:
                MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
                break;
            case KvCacheType.Q8_0:
                BlockQ8_0.Dequantize(MemoryMarshal.Cast<byte, BlockQ8_0>(source), destination);
                break;
            case KvCacheType.Q4_0:
                BlockQ4_0.Dequantize(MemoryMarshal.Cast<byte, BlockQ4_0>(source), destination);
                break;
        }
    }

    /// <summary>A pinned, uninitialised byte array: pages nobody writes are never committed, and attention may keep refs into it.</summary>
    public static byte[] Allocate(long bytes)
    {
        if (bytes > Array.MaxLength)
            throw new KvCacheFullException($"a KV cache layer of {bytes:N0} bytes exceeds the largest array .NET can allocate; use a smaller context");
        return GC.AllocateUninitializedArray<byte>((int)bytes, pinned: true);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Span<byte> Row(ref byte block, int offset, int length) => MemoryMarshal.CreateSpan(ref Unsafe.Add(ref block, offset), length);
}
