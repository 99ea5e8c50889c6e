namespace Spindle.Cli;

/// <summary>
/// Which model a command runs when --model is optional: the option, else the SPINDLE_MODEL environment variable, else
/// the built-in model the repository ships (<see cref="DefaultRelativePath"/> under the folder holding Spindle.slnx,
/// found by walking up from the executable, then from the working directory). The built-in file, not one in
/// ../shared, so that a clone on its own runs `spindle generate --prompt …`, and the native executable published to
/// bin/ finds it wherever it is started from. Every model-running command resolves its path here so they all agree.
/// </summary>
internal static class ModelPathResolver
{
    public const string EnvironmentVariable = "SPINDLE_MODEL";

    /// <summary>The built-in model, relative to the repository root (models/README.md says what it is).</summary>
    public const string DefaultRelativePath = "models/tinystories-656K.q8_0.gguf";

    public static string Resolve(string? explicitPath) =>
        Resolve(explicitPath, Environment.GetEnvironmentVariable(EnvironmentVariable),
            [AppContext.BaseDirectory, Directory.GetCurrentDirectory()]);

    /// <summary>The resolution itself, with the environment and the starting folder passed in (tests vary them).</summary>
    public static string Resolve(string? explicitPath, string? environmentValue, string startDirectory) =>
        Resolve(explicitPath, environmentValue, [startDirectory]);

    private static string Resolve(string? explicitPath, string? environmentValue, string[] startDirectories)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath)) return explicitPath;
        if (!string.IsNullOrWhiteSpace(environmentValue))
        {
            // A variable naming a missing file is a mistake to report, not a reason to fall back silently.
            if (!File.Exists(environmentValue) && !Directory.Exists(environmentValue))
                throw new FileNotFoundException($"model file not found: {environmentValue} (from {EnvironmentVariable})", environmentValue);
            return environmentValue;
        }
        string? root = null;
        foreach (string start in startDirectories)
        {
            root = FindRepositoryRoot(start);
            if (root is not null) break;
        }
        string tried = $"--model not given, {EnvironmentVariable} not set";
        if (root is null)
            throw new CliException($"no model: {tried}, and no repository root (a folder with Spindle.slnx) above {string.Join(" or ", startDirectories)} to find the built-in model in; pass --model PATH");
        string builtIn = Path.GetFullPath(Path.Combine(root, DefaultRelativePath));
        if (!File.Exists(builtIn))
            throw new CliException($"no model: {tried}, and the built-in model {builtIn} does not exist; pass --model PATH");
        return builtIn;
    }

    /// <summary>The nearest folder at or above <paramref name="startDirectory"/> that holds Spindle.slnx.</summary>
    public static string? FindRepositoryRoot(string startDirectory)
    {
        for (var dir = new DirectoryInfo(startDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Spindle.slnx"))) return dir.FullName;
        return null;
    }
}
