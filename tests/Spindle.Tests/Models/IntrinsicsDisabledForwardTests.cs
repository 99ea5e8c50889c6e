using System.Diagnostics;
using System.Runtime.InteropServices;
using Spindle.Tensors.Kernels;

namespace Spindle.Tests.Models;

/// <summary>
/// The fallback paths end to end: `spindle logits` runs in a child process with hardware intrinsics switched off
/// (every kernel on its scalar path, every portable vector op in software) or with only AVX-512 switched off (the AVX2
/// paths that an AVX-512 machine never takes in-process), and its logits must meet the same llama.cpp bounds as the
/// in-process conformance tests. A startup hook from this assembly (<see cref="StartupHook"/>) reports what the child
/// saw, so a setting the runtime ignored fails the test instead of re-testing the default path.
/// </summary>
public sealed class IntrinsicsDisabledForwardTests(ITestOutputHelper output)
{
    // .NET 10 runtime knobs (dotnet/runtime#115983 grouped the ISAs: EnableAVX512 covers F+BW+CD+DQ+VL and replaces
    // EnableAVX512F; EnableAVX2 covers the x86-64-v3 group with FMA). EnableHWIntrinsic=0 turns every one of them off.
    private static readonly Dictionary<string, (string Variable, string Value)> Modes = new()
    {
        ["no-intrinsics"] = ("DOTNET_EnableHWIntrinsic", "0"),
        ["no-avx512"] = ("DOTNET_EnableAVX512", "0"),
    };

    /// <summary>One model per kernel family: F32, F16, BF16, the Q8-activation types and the K-quant / IQ4_XS types.</summary>
    private static readonly string[] Files =
    [
        "models/stories260K/stories260K.f32.gguf",
        "models/stories260K/stories260K.f16.gguf",
        "models/stories260K/stories260K.q8_0.gguf",
        "conformance/llama.bf16.gguf",
        "conformance/llama.q4_0.gguf",
        "conformance/llama.q4_1.gguf",
        "conformance/llama.q5_0.gguf",
        "conformance/llama.q5_1.gguf",
        "conformance/llama.iq4_nl.gguf",
        "conformance/llama.iq4_xs.gguf",
        "conformance/llama.q2_k.gguf",
        "conformance/llama.q3_k_m.gguf",
        "conformance/llama.q4_k_m.gguf",
        "conformance/llama.q5_k_m.gguf",
        "conformance/llama.q6_k.gguf",
    ];

    /// <summary>
    /// The Q8-activation kernels (Q4_0 … IQ4_NL) run their AVX2 path even where AVX-512 is available
    /// (KernelIsaSupport.BestForInt8Dot), so the in-process tests already cover them; without AVX-512 only the
    /// other files take a path they would not take in-process (stories260K.q8_0 keeps one Q8 file for the ops around it).
    /// </summary>
    private static readonly HashSet<string> AlreadyAvx2InProcess =
    [
        "conformance/llama.q4_0.gguf", "conformance/llama.q4_1.gguf", "conformance/llama.q5_0.gguf",
        "conformance/llama.q5_1.gguf", "conformance/llama.iq4_nl.gguf",
    ];

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string mode in Modes.Keys)
            foreach (string file in Files)
                if (mode != "no-avx512" || !AlreadyAvx2InProcess.Contains(file))
                    data.Add(mode, file);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LogitsMatchLlamaCppWithIntrinsicsDisabled(string mode, string file)
    {
        // Without AVX-512 switched off there is an AVX2 path to test only where the CPU has AVX2.
        if (mode == "no-avx512") IsaRequirement.SkipUnless(KernelIsa.Avx2);
        var entry = ReferenceModels.Find(file);
        string logitsPath = Path.Combine(Path.GetTempPath(), $"spindle-isa-{Guid.NewGuid():N}.f32");
        string reportPath = logitsPath + ".isa";
        try
        {
            RunCli(Modes[mode], reportPath, "logits", "-m", entry.GgufPath, "--tokens", string.Join(',', entry.Prompt),
                "-o", logitsPath, "-t", "2");
            var seen = ReadReport(reportPath);
            output.WriteLine($"{mode}: {string.Join(' ', seen.Select(p => p.Key + "=" + p.Value))}");
            if (mode == "no-intrinsics")
            {
                Assert.Equal("False", seen["Avx2"]);
                Assert.Equal("False", seen["Fma"]);
                Assert.Equal("False", seen["Vector256"]);
                Assert.Equal(nameof(KernelIsa.Scalar), seen["Best"]);
                Assert.Equal(nameof(KernelIsa.Scalar), seen["BestForInt8Dot"]);
                Assert.Equal(nameof(KernelIsa.Scalar), seen["KQuant"]);
            }
            else
            {
                Assert.Equal("True", seen["Avx2"]);
                Assert.Equal(nameof(KernelIsa.Avx2), seen["Best"]);
                Assert.Equal(nameof(KernelIsa.Avx2), seen["KQuant"]);
            }
            Assert.Equal("False", seen["Avx512F"]);
            Assert.Equal("False", seen["Vector512"]);

            float[] logits = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(logitsPath)).ToArray();
            float[] reference = ReferenceModels.ReadLogits(entry);
            Assert.Equal(reference.Length, logits.Length);
            var cmp = LogitsComparison.Compare(reference, logits, reference.Length / entry.Prompt.Length);
            output.WriteLine($"{file}: {cmp}");
            Assert.True(cmp.MaxAbsDelta <= entry.MaxAbsDelta, $"{mode} {file}: {cmp}");
            Assert.True(cmp.MeanKl <= entry.MaxMeanKl, $"{mode} {file}: {cmp}");
            Assert.True(cmp.Rows - cmp.Top1Agreements <= entry.MaxTop1Flips, $"{mode} {file}: {cmp}");
        }
        finally
        {
            File.Delete(logitsPath);
            File.Delete(reportPath);
        }
    }

    private static Dictionary<string, string> ReadReport(string path)
    {
        Assert.True(File.Exists(path), "the child wrote no ISA report: the startup hook did not run");
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in File.ReadAllLines(path))
        {
            int eq = line.IndexOf('=');
            pairs[line[..eq]] = line[(eq + 1)..];
        }
        return pairs;
    }

    /// <summary>Runs the built CLI as `dotnet Spindle.Cli.dll ARGS` with one runtime knob set and the ISA report hook.</summary>
    private static void RunCli((string Variable, string Value) knob, string reportPath, params string[] arguments)
    {
        string directory = AppContext.BaseDirectory;
        string cli = Path.Combine(directory, "Spindle.Cli.dll");
        Assert.True(File.Exists(cli), $"{cli} not built");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(cli);
        foreach (string a in arguments) start.ArgumentList.Add(a);
        // Only the knob under test: a setting inherited from the test run (say DOTNET_EnableAVX512=0 to imitate an
        // AVX2-only machine) must not change what the other mode checks.
        foreach (var (variable, _) in Modes.Values) start.Environment.Remove(variable);
        start.Environment[knob.Variable] = knob.Value;
        start.Environment["DOTNET_STARTUP_HOOKS"] = Path.Combine(directory, "Spindle.Tests.dll");
        start.Environment[StartupHook.ReportVariable] = reportPath;
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"spindle {arguments[0]} with {knob.Variable}={knob.Value} did not finish within 3 minutes");
        }
        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}: {error.Result}{stdout}");
    }
}
