using System.Runtime.InteropServices;

namespace Spindle.Tensors.Kernels;

/// <summary>
/// Memory for a weight copy (an interleaved matrix), outside the GC heap, 64-byte aligned; it may exceed 2 GiB, which a
/// managed array may not. Freed when the owner becomes unreachable; the GC is told of its size so that happens in time.
/// </summary>
internal sealed unsafe class NativeWeightBuffer
{
    private readonly long _length;

    public NativeWeightBuffer(long length)
    {
        _length = Math.Max(1, length);
        Pointer = (byte*)NativeMemory.AlignedAlloc((nuint)_length, 64);
        GC.AddMemoryPressure(_length);
    }

    ~NativeWeightBuffer()
    {
        NativeMemory.AlignedFree(Pointer);
        GC.RemoveMemoryPressure(_length);
    }

    public byte* Pointer { get; }

    public long Length => _length;

    /// <summary>Bytes [offset, offset + length); a slice is at most 2 GiB.</summary>
    public Span<byte> Slice(long offset, int length)
    {
        if (offset < 0 || length < 0 || offset > _length - length) throw new ArgumentOutOfRangeException(nameof(offset));
        return new Span<byte>(Pointer + offset, length);
    }
}
