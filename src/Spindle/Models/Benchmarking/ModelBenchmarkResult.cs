namespace Spindle.Models.Benchmarking;

/// <summary>
/// What <see cref="ModelBenchmark"/> measured. <see cref="Prompt"/> or <see cref="Generation"/> is null when that test was
/// skipped. Memory readings are null where the OS does not report them (they come from /proc on Linux).
/// </summary>
public sealed record ModelBenchmarkResult
{
    public required string Architecture { get; init; }

    public required long FileByteLength { get; init; }

    public required long ParameterCount { get; init; }

    /// <summary>Tensor types, largest share of bytes first.</summary>
    public required IReadOnlyList<TensorTypeShare> TypeMix { get; init; }

    public required int ThreadCount { get; init; }

    public required int Repetitions { get; init; }

    /// <summary>Tokens in each cache before each test (llama-bench's depth).</summary>
    public int Depth { get; init; }

    /// <summary>Sequences decoded together in the generation test; its tokens/s is their sum.</summary>
    public int Parallel { get; init; } = 1;

    public Caching.KvCacheFormat CacheFormat { get; init; } = Caching.KvCacheFormat.F16;

    /// <summary>Prompt processing: all prompt tokens in one batch.</summary>
    public ThroughputSummary? Prompt { get; init; }

    /// <summary>Generation: one token per forward pass, greedy.</summary>
    public ThroughputSummary? Generation { get; init; }

    /// <summary>Bytes of the KV caches the benchmark allocated (keys and values for every slot of every layer and sequence).</summary>
    public required long KvCacheByteLength { get; init; }

    /// <summary>Peak resident set while generating (or while processing the prompt when generation was skipped).</summary>
    public long? PeakResidentBytes { get; init; }

    /// <summary>Resident set once generation has run (cache and activations still live); null when generation was skipped.</summary>
    public long? ResidentDuringDecodeBytes { get; init; }

    /// <summary>The anonymous part of <see cref="ResidentDuringDecodeBytes"/>: heap, KV cache, activations, runtime.</summary>
    public long? AnonymousResidentDuringDecodeBytes { get; init; }

    /// <summary>The file-backed part of <see cref="ResidentDuringDecodeBytes"/>: touched pages of the model, runtime images.</summary>
    public long? FileResidentDuringDecodeBytes { get; init; }

    /// <summary>Resident bytes before the model was loaded: the runtime's baseline, which dominates for tiny models.</summary>
    public long? ResidentBeforeLoadBytes { get; init; }

    /// <summary>(Peak − baseline before load) / (file + KV cache): what the model run itself costs in memory.</summary>
    public double? ModelResidentRatio => PeakResidentBytes is long peak && ResidentBeforeLoadBytes is long before
        ? (double)(peak - before) / (FileByteLength + KvCacheByteLength)
        : null;

    /// <summary>False when the kernel would not reset the peak, so <see cref="PeakResidentBytes"/> covers the whole process life.</summary>
    public bool PeakCoversOnlyMeasuredPhase { get; init; }

    /// <summary>Which test <see cref="PeakResidentBytes"/> was taken over: "tg", "pp" or null.</summary>
    public string? PeakPhase { get; init; }

    /// <summary>Peak resident / (file + KV cache); the goal is at most 1.15.</summary>
    public double? ResidentRatio => PeakResidentBytes is long peak ? (double)peak / (FileByteLength + KvCacheByteLength) : null;

    /// <summary>The type holding the most bytes, to name the model as llama-bench does ("llama Q8_0").</summary>
    public string DominantType => TypeMix.Count == 0 ? "?" : TypeMix[0].Type.ToString();
}
