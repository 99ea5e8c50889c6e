using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime;
using Spindle.Caching;

namespace Spindle.Models.Benchmarking;

/// <summary>
/// Measures a model as llama-bench does. pp: a random (seeded) prompt of p valid token ids through one batched forward
/// pass, logits of the last row only. tg: starting from one token, n forward passes of one token each, each next token
/// the argmax of the previous logits, so every step depends on real output. Each repetition starts from an empty cache.
/// </summary>
public static class ModelBenchmark
{
    /// <param name="residentBeforeLoad">Resident bytes read before the model was loaded (the runtime's own share), so
    /// the result can say how much the model itself added; null when unknown.</param>
    public static ModelBenchmarkResult Run(Model model, ModelBenchmarkOptions options, long? residentBeforeLoad = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options.Validate();
        var config = model.Config;
        int capacity = Math.Max(1, Math.Max(options.PromptTokens, options.GenerateTokens));
        var cache = model.CreateCache(KvCacheType.F16, capacity);
        long kvBytes = (long)config.LayerCount * capacity * (config.KeyWidth + config.ValueWidth) * sizeof(short);
        var logits = new float[config.VocabSize];
        var random = new Random(options.Seed);

        ThroughputSummary? prompt = null, generation = null;
        long? peak = null, decode = null, decodeAnonymous = null, decodeFile = null;
        bool peakReset = false;
        string? peakPhase = null;

        if (options.PromptTokens > 0)
        {
            var tokens = new int[options.PromptTokens];
            var positions = new int[options.PromptTokens];
            for (int i = 0; i < tokens.Length; i++)
            {
                tokens[i] = random.Next(config.VocabSize);
                positions[i] = i;
            }
            bool lastPhase = options.GenerateTokens == 0;
            if (lastPhase) peakReset = ProcessMemory.TryResetPeak();
            prompt = Measure(options, tokens.Length, () =>
            {
                cache.Clear();
                model.Forward(tokens, positions, cache, logits, LogitsSelection.Last);
            });
            if (lastPhase) (peak, peakPhase) = (ProcessMemory.PeakResidentBytes(), "pp");
        }

        if (options.GenerateTokens > 0)
        {
            int start = random.Next(config.VocabSize);
            var token = new int[1];
            var position = new int[1];
            peakReset = ProcessMemory.TryResetPeak();
            generation = Measure(options, options.GenerateTokens, () =>
            {
                cache.Clear();
                token[0] = start;
                for (int i = 0; i < options.GenerateTokens; i++)
                {
                    position[0] = i;
                    model.Forward(token, position, cache, logits, LogitsSelection.Last);
                    token[0] = TensorPrimitives.IndexOfMax<float>(logits);
                }
            });
            (peak, peakPhase) = (ProcessMemory.PeakResidentBytes(), "tg");
            // Read after the last timed run, with the cache and activations still live: the steady state of decoding,
            // without putting a /proc read (which allocates) inside the timed loop.
            decode = ProcessMemory.ResidentBytes();
            decodeAnonymous = ProcessMemory.AnonymousResidentBytes();
            decodeFile = ProcessMemory.FileResidentBytes();
        }

        return new ModelBenchmarkResult
        {
            Architecture = model.File.Architecture ?? config.Architecture.ToString(),
            FileByteLength = model.File.Length,
            ParameterCount = CountParameters(model),
            TypeMix = TypeMixOf(model),
            ThreadCount = model.ThreadCount,
            Repetitions = options.Repetitions,
            Prompt = prompt,
            Generation = generation,
            KvCacheByteLength = kvBytes,
            PeakResidentBytes = peak,
            ResidentDuringDecodeBytes = decode,
            AnonymousResidentDuringDecodeBytes = decodeAnonymous,
            FileResidentDuringDecodeBytes = decodeFile,
            ResidentBeforeLoadBytes = residentBeforeLoad,
            PeakCoversOnlyMeasuredPhase = peakReset,
            PeakPhase = peak is null ? null : peakPhase,
        };
    }

    private static ThroughputSummary Measure(ModelBenchmarkOptions options, int tokenCount, Action run)
    {
        Warmup(options, run);
        var seconds = new double[options.Repetitions];
        for (int r = 0; r < seconds.Length; r++)
        {
            long begin = Stopwatch.GetTimestamp();
            run();
            seconds[r] = Stopwatch.GetElapsedTime(begin).TotalSeconds;
        }
        return ThroughputSummary.FromSeconds(tokenCount, seconds);
    }

    /// <summary>The fixed warm-up runs, then more while the JIT is still replacing code (see <see cref="ModelBenchmarkOptions.MaximumWarmupTime"/>).</summary>
    private static void Warmup(ModelBenchmarkOptions options, Action run)
    {
        long start = Stopwatch.GetTimestamp(), quietSince = start;
        long compiled = JitInfo.GetCompiledMethodCount();
        for (int i = 0; ; i++)
        {
            if (i >= options.WarmupRuns)
            {
                if (i == 0 || Stopwatch.GetElapsedTime(start) >= options.MaximumWarmupTime) return;
                if (Stopwatch.GetElapsedTime(quietSince) >= options.JitQuietTime) return;
            }
            run();
            long now = JitInfo.GetCompiledMethodCount();
            if (now != compiled)
            {
                compiled = now;
                quietSince = Stopwatch.GetTimestamp();
            }
        }
    }

    private static long CountParameters(Model model)
    {
        long total = 0;
        foreach (var t in model.File.Tensors) total += t.ElementCount;
        return total;
    }

    private static List<TensorTypeShare> TypeMixOf(Model model)
    {
        var shares = new List<TensorTypeShare>();
        foreach (var t in model.File.Tensors)
        {
            int i = shares.FindIndex(s => s.Type == t.Type);
            if (i < 0) shares.Add(new TensorTypeShare(t.Type, 1, t.ByteLength));
            else shares[i] = shares[i] with { TensorCount = shares[i].TensorCount + 1, ByteLength = shares[i].ByteLength + t.ByteLength };
        }
        shares.Sort((a, b) => b.ByteLength.CompareTo(a.ByteLength));
        return shares;
    }
}
