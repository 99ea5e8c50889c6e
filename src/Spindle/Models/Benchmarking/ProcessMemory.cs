namespace Spindle.Models.Benchmarking;

/// <summary>
/// Resident memory of this process from Linux's /proc/self/status (file-backed pages of the memory-mapped model
/// count, which is the point: the goal is resident ≈ file + KV cache). Elsewhere every reading is null.
/// </summary>
public static class ProcessMemory
{
    /// <summary>Current resident set (VmRSS) in bytes.</summary>
    public static long? ResidentBytes() => ReadStatusKilobytes("VmRSS:") * 1024;

    /// <summary>Resident anonymous memory (RssAnon: managed heap, native allocations, thread stacks, JIT code) in bytes.</summary>
    public static long? AnonymousResidentBytes() => ReadStatusKilobytes("RssAnon:") * 1024;

    /// <summary>Resident file-backed pages (RssFile: the mapped model's touched pages, the runtime's own images) in bytes.</summary>
    public static long? FileResidentBytes() => ReadStatusKilobytes("RssFile:") * 1024;

    /// <summary>Peak resident set since start or since the last successful <see cref="TryResetPeak"/> (VmHWM) in bytes.</summary>
    public static long? PeakResidentBytes() => ReadStatusKilobytes("VmHWM:") * 1024;

    /// <summary>
    /// Resets VmHWM to the current resident size (writing 5 to /proc/self/clear_refs, Linux ≥ 4.0), so the next
    /// <see cref="PeakResidentBytes"/> covers only what follows. False where the kernel does not allow it.
    /// </summary>
    public static bool TryResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }
    }

    private static long? ReadStatusKilobytes(string key)
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith(key, StringComparison.Ordinal)) continue;
                // "VmHWM:	   12345 kB"
                var value = line.AsSpan(key.Length).Trim();
                int space = value.IndexOf(' ');
                if (space > 0) value = value[..space];
                return long.TryParse(value, out long kb) ? kb : null;
            }
        }
        catch (IOException)
        {
        }
        return null;
    }
}
