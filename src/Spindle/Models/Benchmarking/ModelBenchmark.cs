using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime;
using Spindle.Caching;
using Spindle.Tensors.Diagnostics;

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
        int depth = options.Depth, parallel = options.Parallel;
        int capacity = Math.Max(1, depth + Math.Max(options.PromptTokens, options.GenerateTokens));
        // Like llama-bench, a depth beyond the training context is allowed: speed does not depend on what RoPE extrapolates.
        var caches = new KvCache[parallel];
        for (int s = 0; s < parallel; s++) caches[s] = model.CreateCache(options.CacheFormat, capacity);
        long kvBytes = parallel * ContiguousKvCache.ByteLength(model.CacheShape, capacity, options.CacheFormat);
        var random = new Random(options.Seed);
        var batch = new ForwardBatch(Math.Max(parallel, Math.Max(1, Math.Max(depth, options.PromptTokens))));
        var logits = new float[(long)parallel * config.VocabSize];

        // The context every test starts from: depth random tokens in every sequence (copied, not recomputed).
        var context = new int[depth];
        for (int i = 0; i < depth; i++) context[i] = random.Next(config.VocabSize);
        void FillDepth()
        {
            foreach (var cache in caches) cache.Clear();
            if (depth == 0) return;
            batch.Clear();
            batch.AddSequence(context, 0);
            model.Forward(batch, caches[0], default);
            for (int s = 1; s < parallel; s++) caches[0].CopyTo(caches[s]);
        }

        ThroughputSummary? prompt = null, generation = null;
        long? peak = null, decode = null, decodeAnonymous = null, decodeFile = null;
        bool peakReset = false;
        string? peakPhase = null;

        if (options.PromptTokens > 0)
        {
            var tokens = new int[options.PromptTokens];
            for (int i = 0; i < tokens.Length; i++) tokens[i] = random.Next(config.VocabSize);
            bool lastPhase = options.GenerateTokens == 0;
            if (lastPhase) peakReset = ProcessMemory.TryResetPeak();
            prompt = Measure(options, tokens.Length, "pp", FillDepth, () =>
            {
                batch.Clear();
                batch.AddSequence(tokens, depth, 0, outputLast: true);
                model.Forward(batch, caches[0], logits.AsSpan(0, config.VocabSize));
            });
            if (lastPhase) (peak, peakPhase) = (ProcessMemory.PeakResidentBytes(), "pp");
        }

        if (options.GenerateTokens > 0)
        {
            int start = random.Next(config.VocabSize);
            var next = new int[parallel];
            peakReset = ProcessMemory.TryResetPeak();
            generation = Measure(options, options.GenerateTokens * parallel, "tg", FillDepth, () =>
            {
                next.AsSpan().Fill(start);
                for (int i = 0; i < options.GenerateTokens; i++)
                {
                    batch.Clear();
                    for (int s = 0; s < parallel; s++) batch.Add(next[s], depth + i, s, output: true);
                    model.Forward(batch, caches, logits);
                    for (int s = 0; s < parallel; s++)
                        next[s] = TensorPrimitives.IndexOfMax<float>(logits.AsSpan(s * config.VocabSize, config.VocabSize));
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
            Depth = depth,
            Parallel = parallel,
            CacheFormat = options.CacheFormat,
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

    /// <summary>Times <paramref name="run"/> after warm-up; <paramref name="setup"/> runs untimed before each run.</summary>
    private static ThroughputSummary Measure(ModelBenchmarkOptions options, int tokenCount, string test, Action setup, Action run)
    {
        Warmup(options, () =>
        {
            setup();
            run();
        });
        ForwardProfile.Reset();
        var seconds = new double[options.Repetitions];
        for (int r = 0; r < seconds.Length; r++)
        {
            setup();
            long begin = Stopwatch.GetTimestamp();
            run();
            seconds[r] = Stopwatch.GetElapsedTime(begin).TotalSeconds;
        }
        if (ForwardProfile.Enabled)
        {
            Console.Error.WriteLine($"forward profile, {test} ({options.Repetitions} timed runs; depth fills excluded only from the timings):");
            ForwardProfile.Print(Console.Error);
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
