using Spindle.Cli;

namespace Spindle.Tests.Cli;

/// <summary>
/// The native executable bin/spindle that the README's set-up command (and ./spindle, and .ci/run) publishes. Tests of
/// it skip when it is missing or older than the sources, except in CI (CI=true), where .ci/run has just built it and
/// its absence is a failure.
/// </summary>
internal static class NativeBinary
{
    public static string RepositoryRoot { get; } = ModelPathResolver.FindRepositoryRoot(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException($"no Spindle.slnx above {AppContext.BaseDirectory}");

    public static string Path { get; } = System.IO.Path.Combine(RepositoryRoot, "bin", "spindle");

    /// <summary>The executable's path, once it is known to be there and built from the current sources.</summary>
    public static string Require()
    {
        string? problem = Problem();
        if (problem is null) return Path;
        string message = $"{problem}; build it with `dotnet publish src/Spindle.Cli -p:PublishAot=true -o bin` (or ./spindle)";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            Assert.Fail($"{message}: .ci/run builds it before the tests");
        Assert.Skip(message);
        return Path;
    }

    private static string? Problem()
    {
        if (!File.Exists(Path)) return $"{Path} is not built";
        var built = File.GetLastWriteTimeUtc(Path);
        string props = System.IO.Path.Combine(RepositoryRoot, "Directory.Build.props");
        string? newer = File.GetLastWriteTimeUtc(props) > built ? props : NewestSource(System.IO.Path.Combine(RepositoryRoot, "src"), built);
        return newer is null ? null : $"{Path} is older than {newer}";
    }

    /// <summary>A source or project file written after <paramref name="builtUtc"/>, as ./spindle judges staleness.</summary>
    private static string? NewestSource(string root, DateTime builtUtc)
    {
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            string directory = pending.Pop();
            foreach (string file in Directory.EnumerateFiles(directory))
                if ((file.EndsWith(".cs", StringComparison.Ordinal) || file.EndsWith(".csproj", StringComparison.Ordinal))
                    && File.GetLastWriteTimeUtc(file) > builtUtc)
                    return file;
            foreach (string sub in Directory.EnumerateDirectories(directory))
                if (System.IO.Path.GetFileName(sub) is not ("bin" or "obj")) pending.Push(sub);
        }
        return null;
    }
}
