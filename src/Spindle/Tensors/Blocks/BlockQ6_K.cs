using System.Runtime.InteropServices;

namespace Spindle.Tensors.Blocks;

/// <summary>
/// ggml block_q6_K: 256 weights as 6-bit quants in 16 sub-blocks of 16, each with a signed 8-bit scale.
/// Weight = d·scale·(q − 32). 210 bytes.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct BlockQ6_K
{
    /// <summary>Low 4 bits. For each half of 128 weights, 64 bytes: byte l (l &lt; 32) holds weight l (low nibble) and
    /// weight l + 64 (high nibble); byte 32 + l holds weights l + 32 and l + 96.</summary>
    public QkBytes128 Ql;

    /// <summary>High 2 bits. For each half, 32 bytes: byte l holds weights l, l+32, l+64, l+96 at bits 0, 2, 4, 6.</summary>
    public QkBytes64 Qh;

    public QkSBytes16 Scales;

    public Half D;

    public const int ByteLength = 210;
}
