using System.Runtime.InteropServices;
using Spindle.Tensors.Kernels;

namespace Spindle.Tensors.Blocks;

/// <summary>
/// ggml block_q4_K: 256 weights as 4-bit quants in 8 sub-blocks of 32, each with a 6-bit scale and 6-bit min.
/// Weight = d·scale·q − dmin·min. 144 bytes.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct BlockQ4_K
{
    public Half D;
    public Half DMin;

    /// <summary>8 scales and 8 mins of 6 bits, packed by get_scale_min_k4 (see <see cref="KQuantMath.GetScaleMinK4"/>).</summary>
    public QkBytes12 Scales;

    /// <summary>Each 32-byte run holds 64 weights: low nibbles weights 0–31, high nibbles weights 32–63.</summary>
    public QkBytes128 Qs;

    public const int ByteLength = 144;
}
