using System.Runtime.Intrinsics.X86;

namespace Spindle.Tensors;

/// <summary>The instruction-set tier a K-quant kernel runs on.</summary>
internal enum KQuantIsa
{
    Scalar,
    Avx2,
    Avx512,
}

/// <summary>
/// Which tier K-quant kernels use. Read once per row dot product, never inside the block loop. Tests set
/// <see cref="Current"/> to run every tier on one machine; nothing else writes it.
/// </summary>
internal static class KQuantDispatch
{
    public static readonly KQuantIsa Best =
        Avx512BW.IsSupported && Avx512F.IsSupported ? KQuantIsa.Avx512
        : Avx2.IsSupported && Fma.IsSupported ? KQuantIsa.Avx2
        : KQuantIsa.Scalar;

    private static KQuantIsa _current = Best;

    /// <summary>The tier in use; setting one the CPU lacks falls back to the best supported one.</summary>
    public static KQuantIsa Current
    {
        get => _current;
        set => _current = value <= Best ? value : Best;
    }
}
