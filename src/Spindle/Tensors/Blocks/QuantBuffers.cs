using System.Runtime.CompilerServices;

namespace Spindle.Tensors.Blocks;

/// <summary>16 packed bytes: two 4-bit quants per byte (ggml's <c>qs[QK/2]</c>).</summary>
[InlineArray(16)]
public struct Nibbles16
{
    private byte _element0;
}

/// <summary>32 signed 8-bit quants (ggml's <c>int8_t qs[32]</c>).</summary>
[InlineArray(32)]
public struct SBytes32
{
    private sbyte _element0;
}
