namespace Spindle.Tensors.Kernels;

/// <summary>
/// Per-thread scratch for kernel calls, grown to the largest request and then kept. Unlike ArrayPool, whose
/// thread-local arrays are trimmed away on gen-2 collections, it never hands a steady decode loop a fresh allocation.
/// One user at a time per thread: a kernel takes it for the duration of one call and calls nothing that takes it too.
/// </summary>
internal static class KernelScratch
{
    [ThreadStatic]
    private static float[]? _floats;

    public static float[] Floats(int length)
    {
        var floats = _floats;
        if (floats is null || floats.Length < length) _floats = floats = new float[Math.Max(length, 2 * (floats?.Length ?? 0))];
        return floats;
    }
}
