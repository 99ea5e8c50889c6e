using System.Text.Json;
using Spindle.Tensors.Kernels;

namespace Spindle.Tests.Cli;

/// <summary>
/// The native executable against the JIT build (this process): same output, the kernels this CPU supports (a NativeAOT
/// binary compiled for the baseline ISA would silently run scalar kernels), and the built-in model found relative to the
/// executable from any working directory.
/// </summary>
public class NativeBinaryTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    private static ChildProcess.Result RunNative(params string[] arguments)
    {
        string exe = NativeBinary.Require();
        // Started from a folder outside the repository: the default model must be found from the executable's location.
        return ChildProcess.Run(exe, arguments, Path.GetTempPath(), Limit);
    }

    [Fact]
    public void Runs_the_kernels_of_this_cpu()
    {
        var r = RunNative("bench", "-p", "0", "-n", "4", "-r", "1", "--max-warmup", "0", "--json");
        Assert.True(r.ExitCode == 0, r.Error);
        using var json = JsonDocument.Parse(r.Out);
        Assert.Equal("NativeAOT", json.RootElement.GetProperty("runtime").GetString());
        // What the JIT picks here from the CPU, unless DOTNET_Enable* settings lowered it for this test run.
        Assert.Equal(KernelReport.Describe(CpuIsa.Detected, CpuIsa.Detected == KernelIsa.Avx512 ? KernelIsa.Avx2 : CpuIsa.Detected),
            json.RootElement.GetProperty("kernels").GetString());
        Assert.Equal(Path.Combine(NativeBinary.RepositoryRoot, "models", "tinystories-656K.q8_0.gguf"), json.RootElement.GetProperty("model").GetString());
        Assert.DoesNotContain("warning", r.Error);
    }

    [Fact]
    public void Generates_what_the_jit_build_generates()
    {
        string[] args = ["generate", "-p", "Once upon a time", "-n", "30", "--temp", "0"];
        var native = RunNative(args);
        var jit = CliRunner.Run(args);
        Assert.True(native.ExitCode == 0, native.Error);
        Assert.True(jit.ExitCode == 0, jit.Error);
        Assert.True(native.Out.Length > 40, native.Out);
        Assert.Equal(jit.Out, native.Out);
    }

    [Fact]
    public void Samples_and_searches_as_the_jit_build_does()
    {
        string model = SharedData.PathOf("models", "stories260K", "stories260K.f32.gguf");
        foreach (string[] args in new[]
        {
            new[] { "generate", "-m", model, "-p", "Once upon a time", "-n", "24", "--seed", "7", "--json" },
            new[] { "generate", "-m", model, "-p", "Once upon a time", "-n", "16", "--beams", "3" },
            new[] { "generate", "-m", model, "-p", "Once upon a time", "-n", "16", "--contrastive-alpha", "0.6" },
            new[] { "generate", "-m", model, "-p", "Once upon a time", "--json-schema-inline", """{"type":"object","properties":{"age":{"type":"integer"}},"required":["age"]}""", "--json-compact", "--temp", "0", "-n", "60" },
        })
        {
            var native = RunNative(args);
            var jit = CliRunner.Run(args);
            Assert.True(native.ExitCode == 0, native.Error);
            Assert.True(jit.ExitCode == 0, jit.Error);
            bool json = args.Contains("--json");
            Assert.True(native.Out.Trim().Length > 0, string.Join(' ', args));
            Assert.Equal(json ? WithoutTimings(jit.Out) : jit.Out, json ? WithoutTimings(native.Out) : native.Out);
        }
    }

    [Fact]
    public void Reads_and_writes_json_lines_without_reflection()
    {
        string vocab = SharedData.PathOf("vocab", "ggml-vocab-gpt-2.gguf");
        string input = Path.Combine(Path.GetTempPath(), $"spindle-jsonl-{Guid.NewGuid():N}.txt");
        const string lines = "\"Hello world\"\n\"caf\\u00e9 \\\"quoted\\\" 😀\"\n";
        File.WriteAllText(input, lines);
        try
        {
            var native = ChildProcess.Run("/bin/sh", ["-c", $"\"{NativeBinary.Require()}\" tokenize -m \"{vocab}\" --jsonl < \"{input}\""], Path.GetTempPath(), Limit);
            var jit = CliRunner.RunWithInput(lines, "tokenize", "-m", vocab, "--jsonl");
            Assert.True(native.ExitCode == 0, native.Error);
            Assert.Equal(2, native.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            Assert.Equal(jit.Out, native.Out);
        }
        finally
        {
            File.Delete(input);
        }
    }

    [Fact]
    public void Reports_errors_as_the_jit_build_does()
    {
        var native = RunNative("inspect", "/no/such/file.gguf");
        var jit = CliRunner.Run("inspect", "/no/such/file.gguf");
        Assert.Equal(jit.ExitCode, native.ExitCode);
        Assert.NotEqual(0, native.ExitCode);
        Assert.Equal(jit.Error, native.Error);
        var usage = RunNative("generate", "--no-such-flag");
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("--no-such-flag", usage.Error);
    }

    /// <summary>`generate --json` output without its "stats" object (timings); everything else must match.</summary>
    private static string WithoutTimings(string output)
    {
        using var json = JsonDocument.Parse(output);
        var kept = new Dictionary<string, string>();
        foreach (var property in json.RootElement.EnumerateObject())
            if (property.Name != "stats") kept[property.Name] = property.Value.GetRawText();
        return string.Join("\n", kept.Select(p => $"{p.Key}={p.Value}"));
    }
}
