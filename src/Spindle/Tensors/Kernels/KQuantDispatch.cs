namespace Spindle.Tensors.Kernels;

/// <summary>
/// Which tier K-quant kernels use. Read once per row dot product, never inside the block loop. Tests set
/// <see cref="Current"/> to run every tier on one machine; nothing else writes it.
/// </summary>
internal static class KQuantDispatch
{
    public static readonly KernelIsa Best = KernelIsaSupport.Best;

    private static KernelIsa _current = Best;

    /// <summary>The tier in use; setting one the CPU lacks falls back to the best supported one.</summary>
    public static KernelIsa Current
    {
        get => _current;
        set => _current = value <= Best ? value : Best;
    }
}
