using System.Runtime.InteropServices;

namespace Spindle.Models.HuggingFace;

/// <summary>
/// What a checkpoint view keeps alive: the mapped safetensors shards, and the one native block that holds the Q/K
/// projections reordered for llama RoPE (the only weights a view copies; see <see cref="RopeRowPermutation"/>).
/// </summary>
internal sealed unsafe class HfCheckpointMemory : IDisposable
{
    private readonly List<SafetensorsFile> _shards;
    private byte* _permuted;

    public HfCheckpointMemory(List<SafetensorsFile> shards) => _shards = shards;

    /// <summary>Bytes held outside the mappings (the reordered Q and K matrices).</summary>
    public long CopiedByteLength { get; private set; }

    /// <summary>Allocates the block for the reordered tensors, 64-byte aligned like a GGUF data section.</summary>
    public byte* AllocatePermuted(long byteLength)
    {
        if (_permuted != null) throw new InvalidOperationException("the permuted block is already allocated");
        if (byteLength == 0) return null;
        _permuted = (byte*)NativeMemory.AlignedAlloc((nuint)byteLength, 64);
        CopiedByteLength = byteLength;
        return _permuted;
    }

    public void Dispose()
    {
        foreach (var shard in _shards) shard.Dispose();
        _shards.Clear();
        if (_permuted != null) NativeMemory.AlignedFree(_permuted);
        _permuted = null;
    }
}
