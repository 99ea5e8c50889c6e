using System.Runtime.InteropServices;

namespace Spindle.Tensors.Blocks;

/// <summary>
/// ggml block_q5_K: Q4_K plus a fifth bit per weight. Weight = d·scale·q − dmin·min, q in 0..31. 176 bytes.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct BlockQ5_K
{
    public Half D;
    public Half DMin;

    /// <summary>Packed exactly as in Q4_K.</summary>
    public QkBytes12 Scales;

    /// <summary>Bit b of byte l is the fifth bit of weight 32b + l.</summary>
    public QkBytes32 Qh;

    /// <summary>Low 4 bits, packed as in Q4_K.</summary>
    public QkBytes128 Qs;

    public const int ByteLength = 176;
}
