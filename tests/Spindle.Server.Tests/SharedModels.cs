namespace Spindle.Server.Tests;

/// <summary>The reference models in ../shared beside the repository (override with SPINDLE_SHARED).</summary>
internal static class SharedModels
{
    private static readonly Lazy<string> Root = new(() =>
    {
        string? env = Environment.GetEnvironmentVariable("SPINDLE_SHARED");
        if (!string.IsNullOrEmpty(env)) return Path.GetFullPath(env);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Spindle.slnx")))
                return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
        throw new DirectoryNotFoundException("no Spindle.slnx above the test binaries");
    });

    public static string Stories260K => Path.Combine(Root.Value, "models", "stories260K", "stories260K.q8_0.gguf");

    public static string Stories281K => Path.Combine(Root.Value, "models", "stories281K", "stories281K.f32.gguf");

    public static string TinyStories => Path.Combine(Root.Value, "models", "tinystories-656K", "tinystories-656K.q8_0.gguf");

    /// <summary>Where tests write artifacts (screenshots): TestResults/ beside the test project's output.</summary>
    public static string ArtifactsDirectory
    {
        get
        {
            string dir = Path.Combine(AppContext.BaseDirectory, "TestResults");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }
}
