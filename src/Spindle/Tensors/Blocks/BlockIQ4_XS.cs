using System.Runtime.InteropServices;

namespace Spindle.Tensors.Blocks;

/// <summary>
/// ggml block_iq4_xs: 256 weights as 4-bit indices into the non-linear table <see cref="Iq4NlTable"/>, in 8 sub-blocks
/// of 32 with 6-bit scales. Weight = d·(ls − 32)·kvalues_iq4nl[index]. 136 bytes.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct BlockIQ4_XS
{
    public Half D;

    /// <summary>High 2 bits of the 6-bit scale of sub-block ib at bits 2·ib.</summary>
    public ushort ScalesH;

    /// <summary>Low 4 bits of the scale of sub-block ib in nibble ib%2 of byte ib/2.</summary>
    public QkBytes4 ScalesL;

    /// <summary>16 bytes per sub-block: low nibbles hold weights 0–15, high nibbles weights 16–31.</summary>
    public QkBytes128 Qs;

    public const int ByteLength = 136;
}
