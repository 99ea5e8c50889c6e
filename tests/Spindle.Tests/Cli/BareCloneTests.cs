namespace Spindle.Tests.Cli;

/// <summary>
/// A clone of the repository alone, with no ../shared beside it: `./spindle generate` builds the tool and tells a story
/// with the built-in model. The repository's files (tracked, plus new ones git does not ignore) are copied into a fresh
/// temporary folder, so the test sees the working tree as a clone of it would.
/// </summary>
public sealed class BareCloneTests : IDisposable
{
    private static readonly TimeSpan BuildLimit = TimeSpan.FromMinutes(6);
    private readonly string _parent = Path.Combine(Path.GetTempPath(), $"spindle-bare-clone-{Guid.NewGuid():N}");
    private readonly string _clone;

    public BareCloneTests()
    {
        _clone = Path.Combine(_parent, "spindle");
        Directory.CreateDirectory(_clone);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_parent, recursive: true);
        }
        catch (IOException)
        {
            // a build server may still hold a file for a moment; the folder is in /tmp
        }
    }

    /// <summary>
    /// The fallback path: a `dotnet` whose publish fails (as when the NativeAOT compiler package cannot be restored)
    /// makes ./spindle say so, build the JIT version and run it; the next run starts straight away.
    /// </summary>
    [Fact]
    public void Generates_a_story_with_the_jit_build_when_the_native_build_is_unavailable()
    {
        CopyRepository();
        string fakeBin = Path.Combine(_parent, "fake-bin");
        Directory.CreateDirectory(fakeBin);
        string fakeDotnet = Path.Combine(fakeBin, "dotnet");
        File.WriteAllText(fakeDotnet,
            "#!/usr/bin/env bash\n" +
            "if [ \"$1\" = publish ]; then echo 'error NU1101: simulated: no NativeAOT compiler package' >&2; exit 1; fi\n" +
            $"exec '{RealDotnet()}' \"$@\"\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(fakeDotnet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var environment = new Dictionary<string, string?>
        {
            ["PATH"] = fakeBin + ":" + Environment.GetEnvironmentVariable("PATH"),
            ["SPINDLE_NATIVE"] = null,
            // No MSBuild worker node outlives the test.
            ["MSBUILDDISABLENODEREUSE"] = "1",
        };

        var first = Spindle(environment, BuildLimit);
        Assert.True(first.ExitCode == 0, $"exit {first.ExitCode}\n{first.Error}");
        Assert.Contains("building spindle (first run", first.Error);
        Assert.Contains("the native build failed", first.Error);
        Assert.Contains("simulated: no NativeAOT compiler package", File.ReadAllText(Path.Combine(_clone, "bin", "native-build-failed.log")));
        AssertStory(first.Out);

        // Built and the failure remembered: no build and no second native attempt.
        var second = Spindle(environment, TimeSpan.FromMinutes(1));
        Assert.True(second.ExitCode == 0, second.Error);
        Assert.DoesNotContain("build", second.Error);
        Assert.Equal(first.Out, second.Out);
    }

    /// <summary>
    /// The native path: the executable published from this checkout, placed in the clone's bin/ after its sources as a
    /// fresh build would be, runs at once and finds the clone's own model (a full native publish takes minutes).
    /// </summary>
    [Fact]
    public void Runs_the_native_executable_when_it_is_up_to_date()
    {
        string native = NativeBinary.Require();
        CopyRepository();
        string target = Path.Combine(_clone, "bin", "spindle");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(native, target);
        File.SetLastWriteTimeUtc(target, DateTime.UtcNow);
        var environment = new Dictionary<string, string?> { ["SPINDLE_NATIVE"] = null };

        var run = Spindle(environment, TimeSpan.FromMinutes(1));
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.DoesNotContain("build", run.Error);
        AssertStory(run.Out);
        var json = ChildProcess.Run(Path.Combine(_clone, "spindle"), ["generate", "-p", "Once upon a time", "-n", "2", "--temp", "0", "--json"],
            _parent, TimeSpan.FromMinutes(1), environment);
        Assert.True(json.ExitCode == 0, json.Error);
        Assert.DoesNotContain("Spindle.Cli.dll", json.Error);
    }

    private ChildProcess.Result Spindle(Dictionary<string, string?> environment, TimeSpan limit) =>
        ChildProcess.Run(Path.Combine(_clone, "spindle"), ["generate", "-p", "Once upon a time", "-n", "20", "--temp", "0"],
            _parent, limit, environment);

    /// <summary>The same greedy story this process tells with the repository's built-in model.</summary>
    private static void AssertStory(string output)
    {
        var expected = CliRunner.Run("generate", "-p", "Once upon a time", "-n", "20", "--temp", "0");
        Assert.True(expected.ExitCode == 0, expected.Error);
        Assert.True(output.Trim().Length > 40, $"no story: '{output}'");
        Assert.Equal(expected.Out, output);
    }

    private void CopyRepository()
    {
        Assert.False(Directory.Exists(Path.Combine(_parent, "shared")));
        string root = NativeBinary.RepositoryRoot;
        var list = ChildProcess.Run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], root, TimeSpan.FromMinutes(1));
        Assert.SkipWhen(list.ExitCode != 0, $"not a git checkout ({list.Error.Trim()}): nothing to clone");
        int copied = 0;
        foreach (string relative in list.Out.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            string source = Path.Combine(root, relative);
            if (!File.Exists(source)) continue; // deleted in the working tree, not yet in a commit
            string destination = Path.Combine(_clone, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(source, destination);
            copied++;
        }
        Assert.True(File.Exists(Path.Combine(_clone, "models", "tinystories-656K.q8_0.gguf")), "the built-in model is not in the repository");
        Assert.True(copied > 100, $"only {copied} files copied");
    }

    private static string RealDotnet()
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, "dotnet");
            if (File.Exists(candidate)) return candidate;
        }
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (host != null && File.Exists(host)) return host;
        throw new InvalidOperationException("no dotnet on PATH");
    }
}
