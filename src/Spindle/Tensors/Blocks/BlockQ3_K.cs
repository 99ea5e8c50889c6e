using System.Runtime.InteropServices;

namespace Spindle.Tensors.Blocks;

/// <summary>
/// ggml block_q3_K: 256 weights as 3-bit quants (2 low bits in qs, the high bit in hmask) in 16 sub-blocks of 16,
/// each with a signed 6-bit scale. Weight = d·(scale − 32)·(q − 4), where q = low2 | high·4. 110 bytes.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct BlockQ3_K
{
    /// <summary>Bit b of byte l is the high bit of weight 32b + l (so byte l covers weights l, l+32, ..., l+224).</summary>
    public QkBytes32 HMask;

    /// <summary>Low 2 bits, packed as in Q2_K.</summary>
    public QkBytes64 Qs;

    /// <summary>16 6-bit scales: bytes 0–7 hold the low nibbles (scale j in byte j%8, high nibble for j ≥ 8),
    /// bytes 8–11 the high 2 bits (scale j at bits 2(j/4) of byte 8 + j%4).</summary>
    public QkBytes12 Scales;

    public Half D;

    public const int ByteLength = 110;
}
