namespace Spindle.Cli;

/// <summary>
/// Which model a command runs when --model is not given: $SPINDLE_MODEL, else the small TinyStories model in the
/// reference data beside the repository (../shared/…), looked up from the working directory and then from the
/// repository that holds the executable, so `spindle generate --prompt …` works from a clone.
/// </summary>
internal static class ModelPathResolver
{
    public const string EnvironmentVariable = "SPINDLE_MODEL";
    public const string DefaultRelativePath = "../shared/models/tinystories-656K/tinystories-656K.q8_0.gguf";

    public static string Resolve(string? explicitPath)
    {
        if (!string.IsNullOrEmpty(explicitPath)) return explicitPath;
        string? env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(env)) return env;
        string fromWorkingDirectory = Path.GetFullPath(DefaultRelativePath);
        if (File.Exists(fromWorkingDirectory)) return fromWorkingDirectory;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "Spindle.slnx"))) continue;
            string candidate = Path.GetFullPath(Path.Combine(dir.FullName, DefaultRelativePath));
            if (File.Exists(candidate)) return candidate;
            break;
        }
        throw new CliException($"no model given: pass --model PATH or set {EnvironmentVariable} (the default {DefaultRelativePath} was not found)");
    }
}
