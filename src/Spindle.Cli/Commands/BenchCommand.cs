using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Spectre.Console;
using Spindle.Caching;
using Spindle.Cli.Options;
using Spindle.Models.Benchmarking;
using Spindle.Models.Quantization;
using Spindle.Tensors.Kernels;

namespace Spindle.Cli.Commands;

/// <summary>
/// `spindle bench [-m MODEL] [-p 128] [-n 64] [-t N] [-r 5] [--json]`: prompt-processing and generation speed as
/// llama-bench reports them (median of r repetitions after one warm-up), plus peak resident memory while decoding
/// compared with file size + KV cache.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(CliContext context)
    {
        var model = ModelCommandOptions.Model();
        var prompt = NumericOption.Int("--n-prompt", "Prompt tokens processed in one batch (0 skips the pp test)", NumericRange.Integers(0, ModelCommandOptions.MaxContextLength), 128, "-p");
        var generate = NumericOption.Int("--n-gen", "Tokens generated one at a time (0 skips the tg test)", NumericRange.Integers(0, ModelCommandOptions.MaxContextLength), 64, "-n");
        var repetitions = NumericOption.Int("--repetitions", "Timed repetitions of each test (after one warm-up)", NumericRange.Integers(1, 1000), 5, "-r");
        var seed = NumericOption.Int("--seed", "Seed of the random prompt and first token", NumericRange.Integers(0, int.MaxValue), 1234);
        var warmup = NumericOption.Double("--max-warmup", "After one warm-up run, keep warming up until the JIT has settled, for at most this many seconds (0: one run, as llama-bench)", NumericRange.Reals(0, 3600), 20.0);
        var threads = ModelCommandOptions.Threads();
        var microBatch = NumericOption.Int("--ubatch-size", "Most prompt tokens per pass through the layers (llama.cpp's n_ubatch); bounds the activation scratch", NumericRange.Integers(1, 8192), Models.ModelOptions.DefaultMicroBatchSize, "-ub");
        var depth = NumericOption.Int("--n-depth", "Tokens already in the cache before each test (llama-bench's -d): decode speed at that context depth", NumericRange.Integers(0, 1 << 20), 0, "-d");
        var parallel = NumericOption.Int("--parallel", "Sequences decoded together in the tg test; tokens/s is their sum (llama-batched-bench's -npl)", NumericRange.Integers(1, 256), 1, "-npl");
        var cacheTypes = new CacheTypeOptions();
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table" };
        var speculation = new SpeculationFlags();
        var ead = new EadFlags();
        var text = new Option<string?>("--text") { Description = "With a drafter: the prompt text (default: a story opening); -p is then unused" };
        var textFile = new Option<string?>("--text-file") { Description = "With a drafter: read the prompt text from this file" };
        var warmupFile = new Option<string?>("--warmup-file") { Description = "With a drafter: before each timed speculative run, decode -n tokens (untimed) from each non-empty line of this file, as a server's drafter has learned from earlier requests (Token Recycling's candidates persist)" };

        var command = new Command("bench", "Measure prompt-processing and generation speed (tokens/s) and memory, like llama-bench");
        foreach (var o in new Option[] { model, prompt, generate, depth, parallel, threads, microBatch, repetitions, warmup, seed, json }) command.Options.Add(o);
        foreach (var o in cacheTypes.All) command.Options.Add(o);
        foreach (var o in speculation.All) command.Options.Add(o);
        foreach (var o in ead.All) command.Options.Add(o);
        command.Options.Add(text);
        command.Options.Add(textFile);
        command.Options.Add(warmupFile);
        command.SetAction(parse =>
        {
            if (parse.GetValue<string?>("--ead-small") is not null)
                return EadBenchRun.Run(context, parse, ead, model, threads, generate, repetitions, json, parse.GetValue(text), parse.GetValue(textFile));
            if (speculation.Requested(parse))
                return SpeculativeBenchRun.Run(context, parse, speculation, model, threads, generate, repetitions, seed, json,
                    parse.GetValue(text), parse.GetValue(textFile), parse.GetValue(warmupFile));
            if (parse.GetValue(warmupFile) is not null) throw new CliException("--warmup-file needs a drafter (--draft, --lookup, --recycle or --self-spec)");
            var options = new ModelBenchmarkOptions
            {
                PromptTokens = parse.GetValue(prompt),
                GenerateTokens = parse.GetValue(generate),
                Repetitions = parse.GetValue(repetitions),
                Seed = parse.GetValue(seed),
                MaximumWarmupTime = TimeSpan.FromSeconds(parse.GetValue(warmup)),
                Depth = parse.GetValue(depth),
                Parallel = parse.GetValue(parallel),
                CacheFormat = cacheTypes.Parse(parse),
            };
            if (options.PromptTokens == 0 && options.GenerateTokens == 0) throw new CliException("-p 0 and -n 0 leave nothing to measure");
            string path = ModelPathResolver.Resolve(parse.GetValue(model));
            long? before = ProcessMemory.ResidentBytes();
            using var loaded = ModelCommandOptions.Load(path, parse.GetValue(threads), parse.GetValue(microBatch));
            // The file's own type (general.file_type, as llama-bench names it), not the largest tensor's: a Q4_0 file
            // keeps its embedding in Q8_0 or F16, which holds the most bytes in a small model.
            string type = loaded.File.Metadata.GetInt64OrNull(Gguf.GgufKeys.FileType) is long fileType
                ? LlamaFileTypes.DisplayName(fileType) : "";
            ModelBenchmarkResult result;
            try
            {
                result = ModelBenchmark.Run(loaded, options, before);
            }
            catch (Caching.KvCacheTooLargeException e)
            {
                throw new CliException($"{e.Message}: use a smaller -p/--n-prompt or -n/--n-gen");
            }
            if (type.Length == 0) type = result.DominantType;
            if (parse.GetValue(json)) context.Out.WriteLine(ToJson(path, type, result));
            else WriteTable(context.CreateConsole(), path, type, result, options.MaximumWarmupTime.TotalSeconds);
            return 0;
        });
        return command;
    }

    /// <summary>NativeAOT or JIT: the two builds can differ in speed and in the kernels compiled in (README, set-up).</summary>
    private static string RuntimeKind => RuntimeFeature.IsDynamicCodeSupported ? "JIT" : "NativeAOT";

    private static void WriteTable(IAnsiConsole console, string path, string type, ModelBenchmarkResult r, double warmupSeconds)
    {
        var table = new Table().Border(TableBorder.Markdown);
        table.AddColumn("model");
        table.AddColumn(new TableColumn("size").RightAligned());
        table.AddColumn(new TableColumn("params").RightAligned());
        table.AddColumn(new TableColumn("threads").RightAligned());
        table.AddColumn(new TableColumn("test").RightAligned());
        table.AddColumn(new TableColumn("t/s (median)").RightAligned());
        table.AddColumn(new TableColumn("± stddev").RightAligned());
        table.AddColumn(new TableColumn("min … max").RightAligned());
        string name = TerminalText.Escape($"{r.Architecture} {type}");
        void Row(string test, ThroughputSummary? s)
        {
            if (s is null) return;
            table.AddRow(Markup.Escape(name), Size(r.FileByteLength), Parameters(r.ParameterCount), r.ThreadCount.ToString(CultureInfo.InvariantCulture),
                test, Rate(s.Median), Rate(s.StandardDeviation), $"{Rate(s.Min)} … {Rate(s.Max)}");
        }
        // llama-bench's test names: pp512, tg128, with "@ d2048" for a depth; a parallel test counts its sequences.
        string at = r.Depth > 0 ? string.Create(CultureInfo.InvariantCulture, $" @ d{r.Depth}") : "";
        string sequences = r.Parallel > 1 ? string.Create(CultureInfo.InvariantCulture, $" × {r.Parallel} seq") : "";
        Row($"pp{r.Prompt?.TokenCount}{at}", r.Prompt);
        Row($"tg{(r.Generation?.TokenCount ?? 0) / r.Parallel}{sequences}{at}", r.Generation);
        console.Write(table);

        var mix = new StringBuilder();
        foreach (var share in r.TypeMix)
            mix.Append(mix.Length == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"{share.Type} {share.TensorCount} tensors {Size(share.ByteLength)}");
        console.WriteLine($"model: {TerminalText.Escape(path)}");
        console.WriteLine($"types: {mix}");
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"repetitions: {r.Repetitions} per test, median reported; warm-up excluded (≥ 1 run, then until the JIT settles, ≤ {warmupSeconds:0.##} s)"));
        console.WriteLine($"kernels: {KernelReport.Describe()} (runtime: {RuntimeKind})");
        if (r.PeakResidentBytes is long peak)
        {
            string phase = r.PeakPhase == "tg" ? "decode" : "prompt processing";
            string scope = r.PeakCoversOnlyMeasuredPhase ? "" : " (process lifetime: the peak could not be reset)";
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"peak resident during {phase}: {Size(peak)} = {r.ResidentRatio:0.00} × (file {Size(r.FileByteLength)} + KV cache {Size(r.KvCacheByteLength)}){scope}; goal ≤ 1.15"));
            if (r.ResidentBeforeLoadBytes is long before)
                console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  of which the runtime before loading: {Size(before)}; the rest is {r.ModelResidentRatio:0.00} × (file + KV cache)"));
        }
    }

    private static string ToJson(string path, string type, ModelBenchmarkResult r)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("model", path);
            w.WriteString("architecture", r.Architecture);
            w.WriteString("model_type", type);
            w.WriteString("largest_tensor_type", r.DominantType);
            w.WriteNumber("model_size_bytes", r.FileByteLength);
            w.WriteNumber("model_parameters", r.ParameterCount);
            w.WriteStartArray("type_mix");
            foreach (var share in r.TypeMix)
            {
                w.WriteStartObject();
                w.WriteString("type", share.Type.ToString());
                w.WriteNumber("tensors", share.TensorCount);
                w.WriteNumber("bytes", share.ByteLength);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNumber("threads", r.ThreadCount);
            w.WriteString("kernels", KernelReport.Describe());
            w.WriteString("runtime", RuntimeKind);
            w.WriteNumber("repetitions", r.Repetitions);
            w.WriteNumber("depth", r.Depth);
            w.WriteNumber("parallel", r.Parallel);
            w.WriteString("cache_type_k", r.CacheFormat.Keys.Name());
            w.WriteString("cache_type_v", r.CacheFormat.Values.Name());
            WriteTest(w, "pp", r.Prompt);
            WriteTest(w, "tg", r.Generation);
            w.WriteNumber("kv_cache_bytes", r.KvCacheByteLength);
            WriteNullable(w, "peak_rss_bytes", r.PeakResidentBytes);
            if (r.PeakPhase is null) w.WriteNull("peak_rss_phase");
            else w.WriteString("peak_rss_phase", r.PeakPhase);
            w.WriteBoolean("peak_rss_reset", r.PeakCoversOnlyMeasuredPhase);
            if (r.ResidentRatio is double ratio) w.WriteNumber("rss_to_file_plus_kv_ratio", Math.Round(ratio, 4));
            else w.WriteNull("rss_to_file_plus_kv_ratio");
            WriteNullable(w, "rss_before_load_bytes", r.ResidentBeforeLoadBytes);
            // The names the memory goal is stated in: peak and steady decode resident set against file + KV cache.
            w.WriteNumber("file_bytes", r.FileByteLength);
            w.WriteNumber("kv_bytes", r.KvCacheByteLength);
            WriteNullable(w, "rss_peak_bytes", r.PeakResidentBytes);
            WriteNullable(w, "rss_decode_bytes", r.ResidentDuringDecodeBytes);
            WriteNullable(w, "rss_decode_anon_bytes", r.AnonymousResidentDuringDecodeBytes);
            WriteNullable(w, "rss_decode_file_bytes", r.FileResidentDuringDecodeBytes);
            if (r.ModelResidentRatio is double modelRatio) w.WriteNumber("rss_above_baseline_to_file_plus_kv_ratio", Math.Round(modelRatio, 4));
            else w.WriteNull("rss_above_baseline_to_file_plus_kv_ratio");
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteTest(Utf8JsonWriter w, string prefix, ThroughputSummary? s)
    {
        w.WriteNumber($"{prefix}_tokens", s?.TokenCount ?? 0);
        if (s is null)
        {
            w.WriteNull($"{prefix}_tokens_per_s");
            return;
        }
        w.WriteNumber($"{prefix}_tokens_per_s", Math.Round(s.Median, 3));
        w.WriteNumber($"{prefix}_min_tokens_per_s", Math.Round(s.Min, 3));
        w.WriteNumber($"{prefix}_max_tokens_per_s", Math.Round(s.Max, 3));
        w.WriteNumber($"{prefix}_stddev_tokens_per_s", Math.Round(s.StandardDeviation, 3));
        w.WriteStartArray($"{prefix}_samples_tokens_per_s");
        foreach (double v in s.TokensPerSecond) w.WriteNumberValue(Math.Round(v, 3));
        w.WriteEndArray();
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, long? value)
    {
        if (value is long v) w.WriteNumber(name, v);
        else w.WriteNull(name);
    }

    private static string Rate(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Size(long bytes) => bytes >= 1L << 30
        ? (bytes / (double)(1L << 30)).ToString("0.00 'GiB'", CultureInfo.InvariantCulture)
        : (bytes / (double)(1L << 20)).ToString("0.00 'MiB'", CultureInfo.InvariantCulture);

    private static string Parameters(long count) => count >= 1_000_000_000
        ? (count / 1e9).ToString("0.00 'B'", CultureInfo.InvariantCulture)
        : (count / 1e6).ToString("0.00 'M'", CultureInfo.InvariantCulture);
}
