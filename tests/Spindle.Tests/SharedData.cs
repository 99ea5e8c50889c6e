namespace Spindle.Tests;

/// <summary>
/// Locates the project's reference data: ../shared beside the repository root (override with SPINDLE_SHARED).
/// Tests read it in place; nothing there is ever written.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>Every *.gguf under shared/, sorted, as paths relative to <see cref="Root"/>.</summary>
    public static IEnumerable<string> AllGgufFiles() =>
        Directory.EnumerateFiles(Root, "*.gguf", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(Root, p))
            .Order(StringComparer.Ordinal);

    public static TheoryData<string> AllGgufFilesData()
    {
        var data = new TheoryData<string>();
        foreach (var f in AllGgufFiles()) data.Add(f);
        return data;
    }

    private static string FindRoot()
    {
        string? env = Environment.GetEnvironmentVariable("SPINDLE_SHARED");
        if (!string.IsNullOrEmpty(env)) return Path.GetFullPath(env);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Spindle.slnx")))
            {
                string candidate = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
                if (Directory.Exists(candidate)) return candidate;
                throw new DirectoryNotFoundException($"reference data not found at {candidate} (set SPINDLE_SHARED)");
            }
        }
        throw new DirectoryNotFoundException("repository root (Spindle.slnx) not found above " + AppContext.BaseDirectory);
    }
}
