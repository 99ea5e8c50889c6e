using System.Runtime.InteropServices;

namespace Spindle.Gguf;

/// <summary>
/// Drops pages of a read-only file mapping from the process (Linux madvise MADV_DONTNEED): the page cache keeps them
/// and a later touch reads them again, so nothing is lost — only the resident set shrinks. Used once a tensor has been
/// copied into another layout. Elsewhere, or if libc cannot be reached, it does nothing.
/// </summary>
internal static unsafe partial class PageRelease
{
    private const int DontNeed = 4; // MADV_DONTNEED

    private static bool _unavailable = !OperatingSystem.IsLinux();

    /// <summary>Releases the whole pages inside [start, start + length) of a file mapping (never anonymous memory: those pages would read back as zeros).</summary>
    public static void FileMappedRange(byte* start, long length)
    {
        if (_unavailable || length <= 0) return;
        long page = Environment.SystemPageSize;
        long first = ((long)start + page - 1) / page * page;
        long end = ((long)start + length) / page * page;
        if (end <= first) return;
        try
        {
            _ = Madvise((nint)first, (nuint)(end - first), DontNeed);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true;
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
