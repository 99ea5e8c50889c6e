using System.Runtime.InteropServices;

namespace Spindle.Models.HuggingFace;

/// <summary>
/// What a checkpoint view keeps alive: the mapped safetensors shards, and the native blocks holding the Q/K projections
/// reordered for llama RoPE (the only weights a view copies; see <see cref="RopeRowPermutation"/>), each allocated when
/// its tensor is first used, so opening a folder to inspect it or to read its tokenizer copies nothing.
/// </summary>
internal sealed unsafe class HfCheckpointMemory : IDisposable
{
    private readonly List<SafetensorsFile> _shards;
    private readonly List<nint> _blocks = [];
    private readonly Lock _gate = new();
    private bool _disposed;

    public HfCheckpointMemory(List<SafetensorsFile> shards) => _shards = shards;

    /// <summary>Bytes held outside the mappings so far.</summary>
    public long CopiedByteLength { get; private set; }

    /// <summary>A 64-byte aligned block (like a GGUF data section) of <paramref name="byteLength"/> bytes, freed on dispose.</summary>
    public byte* Allocate(long byteLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(byteLength);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            byte* block = (byte*)NativeMemory.AlignedAlloc((nuint)byteLength, 64);
            _blocks.Add((nint)block);
            CopiedByteLength += byteLength;
            return block;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var shard in _shards) shard.Dispose();
            _shards.Clear();
            foreach (nint block in _blocks) NativeMemory.AlignedFree((void*)block);
            _blocks.Clear();
        }
    }
}
