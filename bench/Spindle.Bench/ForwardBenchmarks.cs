using BenchmarkDotNet.Attributes;
using Spindle.Models;

namespace Spindle.Bench;

/// <summary>
/// Forward-pass throughput on the reference models in ../shared: prefill of a 64-token prompt as one batch, and
/// decoding 64 tokens one at a time after it. Decode must show 0 B allocated.
/// Run: dotnet run -c Release --project bench/Spindle.Bench -- --filter '*ForwardBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class ForwardBenchmarks
{
    private Model _model = null!;
    private InferenceSession _session = null!;
    private int[] _prompt = [];

    [Params("models/stories260K/stories260K.f32.gguf", "conformance/llama.f32.gguf")]
    public string File { get; set; } = "";

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = Model.Load(Path.Combine(SharedRoot(), File), new ModelOptions { ThreadCount = Threads });
        _session = new InferenceSession(_model);
        _prompt = new int[64];
        for (int i = 0; i < _prompt.Length; i++) _prompt[i] = 1 + i * 37 % (_model.Config.VocabSize - 1);
    }

    [GlobalCleanup]
    public void Cleanup() => _model.Dispose();

    [Benchmark(OperationsPerInvoke = 64)]
    public void Prefill64()
    {
        _session.Reset();
        _session.Prefill(_prompt);
    }

    [IterationSetup(Target = nameof(Decode64))]
    public void PrefillBeforeDecode()
    {
        _session.Reset();
        _session.Prefill(_prompt);
    }

    [Benchmark(OperationsPerInvoke = 64)]
    public int Decode64()
    {
        int token = 5;
        for (int i = 0; i < 64; i++)
        {
            var logits = _session.Decode(token);
            token = 1 + (int)(MathF.Abs(logits[0]) * 1000) % (logits.Length - 1);
        }
        return token;
    }

    internal static string SharedRoot()
    {
        string? env = Environment.GetEnvironmentVariable("SPINDLE_SHARED");
        if (!string.IsNullOrEmpty(env)) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "Spindle.slnx"))) return Path.Combine(dir.FullName, "..", "shared");
        throw new DirectoryNotFoundException("repository root (Spindle.slnx) not found; set SPINDLE_SHARED");
    }
}
