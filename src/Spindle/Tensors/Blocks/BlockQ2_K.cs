using System.Runtime.InteropServices;

namespace Spindle.Tensors.Blocks;

/// <summary>
/// ggml block_q2_K: 256 weights as 2-bit quants in 16 sub-blocks of 16. Weight = d·(sc &amp; 15)·q − dmin·(sc &gt;&gt; 4).
/// Note the scales and quants come before d and dmin (unlike Q4_K). 84 bytes.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct BlockQ2_K
{
    /// <summary>Low nibble: 4-bit scale, high nibble: 4-bit min, one byte per sub-block of 16.</summary>
    public QkBytes16 Scales;

    /// <summary>Each 32-byte run holds 128 weights: bits 2j..2j+1 of byte l hold weight 32j + l of that run.</summary>
    public QkBytes64 Qs;

    public Half D;
    public Half DMin;

    public const int ByteLength = 84;
}
