using System.Runtime.InteropServices;

namespace Spindle.Tensors.Blocks;

/// <summary>
/// ggml block_q8_K: the activation format for K-quant dot products. 256 values = d·qs, with a float (not half)
/// scale and the sums of each 16 quants precomputed, so min and offset terms cost one multiply per 16 weights. 292 bytes.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct BlockQ8_K
{
    public float D;
    public QkSBytes256 Qs;

    /// <summary>bsums[j] = Σ qs[16j .. 16j+15].</summary>
    public QkShorts16 BSums;

    public const int ByteLength = 292;

    internal const int QsOffset = 4;
    internal const int BSumsOffset = 260;
}
