using System.Diagnostics;
using Spindle.Generation;
using Spindle.Models;
using Spindle.Sampling;
using Spindle.Watermarking;
using Spindle.Watermarking.Codable;
using Spindle.Watermarking.Kgw;
using Spindle.Watermarking.Tournament;

namespace Spindle.Bench;

/// <summary>
/// `dotnet run -c Release --project bench/Spindle.Bench -- watermark [RUNS] [MESSAGE_RUNS]`: the figures of
/// docs/watermarking.md (`watermark speed`: only the per-token costs). RUNS (default 20; MESSAGE_RUNS, default 10, for
/// messages) seeded generations per case at temperature 1 over the whole vocabulary, prompts cycled from a fixed
/// list, seed = run number: KGW (γ 0.25, δ 2, h 1) and the tournament (m 30, H 4) on tinystories-656K q8_0 at 200
/// tokens, each text scored with the key, without it (the same seed unwatermarked) and with a wrong key; codable
/// messages on stories260K (Balance-Marking with stories281K as proxy, Vanilla-Marking) and on tinystories-656K (itself as
/// proxy), the share decoded right and the decode times; generation speed with each watermark. One thread.
/// </summary>
internal static class WatermarkCalibration
{
    private static readonly string[] Prompts =
    [
        "Once upon a time", "The little dog", "Lily wanted to", "One day, a boy named Tom", "The sun was", "Mom said",
        "They went to the park and", "The cat saw a bird",
    ];

    private static readonly SamplingOptions Pure = new() { Temperature = 1f, TopK = 0, TopP = 1f, MinP = 0f };

    public static int Run(string[] args)
    {
        if (args.Length > 0 && args[0] == "speed")
        {
            using var tinyModel = SpindleModel.Load(Path.Combine(FindShared(), "models", "tinystories-656K", "tinystories-656K.q8_0.gguf"),
                new SpindleModelOptions { ThreadCount = 1 });
            Speed(tinyModel, WatermarkKey.FromString("calibration"));
            return 0;
        }
        int runs = args.Length > 0 ? int.Parse(args[0]) : 20;
        int messageRuns = args.Length > 1 ? int.Parse(args[1]) : 10;
        string shared = FindShared();
        string tiny = Path.Combine(shared, "models", "tinystories-656K", "tinystories-656K.q8_0.gguf");
        string stories260 = Path.Combine(shared, "models", "stories260K", "stories260K.f32.gguf");
        string stories281 = Path.Combine(shared, "models", "stories281K", "stories281K.f32.gguf");
        var key = WatermarkKey.FromString("calibration");
        var wrong = WatermarkKey.FromString("not the key");

        using (var model = SpindleModel.Load(tiny, new SpindleModelOptions { ThreadCount = 1 }))
        {
            var kgw = new KgwOptions { Key = key };
            Zscores(model, runs, kgw, new KgwDetector(kgw), new KgwDetector(kgw with { Key = wrong }));
            var tournament = new TournamentOptions { Key = key };
            Tournament(model, runs, tournament, new TournamentDetector(tournament), new TournamentDetector(tournament with { Key = wrong }));
            Speed(model, key);
            // Longer messages need longer texts: the end of story is banned so each text runs to 400 tokens.
            var noEnd = NoEnd(model);
            foreach (int bits in new[] { 16, 24, 32 })
            {
                Messages(model, messageRuns, "tinystories-656K", new CodableOptions { Key = key, MessageBits = bits, Message = Message(bits, 0) },
                    () => new ModelProxyDistribution(model.Model, model.Vocabulary.BosId), 400, noEnd);
                Messages(model, messageRuns, "tinystories-656K", new CodableOptions { Key = key, Scheme = CodableScheme.Vanilla, MessageBits = bits, Message = Message(bits, 0) },
                    () => null, 400, noEnd);
            }
        }
        using (var model = SpindleModel.Load(stories260, new SpindleModelOptions { ThreadCount = 1 }))
        using (var proxy = Model.Load(stories281, new ModelOptions { ThreadCount = 1 }))
        {
            foreach (int bits in new[] { 8, 12, 16 })
            {
                Messages(model, messageRuns, "stories260K/281K proxy", new CodableOptions { Key = key, MessageBits = bits, Message = Message(bits, 0), ProxyModel = proxy },
                    () => new ModelProxyDistribution(proxy, model.Vocabulary.BosId), 200, Pure);
                Messages(model, messageRuns, "stories260K/self proxy", new CodableOptions { Key = key, MessageBits = bits, Message = Message(bits, 0) },
                    () => new ModelProxyDistribution(model.Model, model.Vocabulary.BosId), 200, Pure);
                Messages(model, messageRuns, "stories260K", new CodableOptions { Key = key, Scheme = CodableScheme.Vanilla, MessageBits = bits, Message = Message(bits, 0) },
                    () => null, 200, Pure);
            }
        }
        return 0;
    }

    /// <summary>Pure sampling with every end-of-generation token banned, so each text runs to its length.</summary>
    private static SamplingOptions NoEnd(SpindleModel model)
    {
        var bans = new Dictionary<int, float>();
        foreach (int id in model.Vocabulary.EndOfGenerationIds) bans[id] = float.NegativeInfinity;
        return Pure with { LogitBias = bans };
    }

    private static ulong Message(int bits, int run) => (0x9E3779B97F4A7C15UL * (ulong)(run + 1)) >> (64 - bits);

    private static int[] Generate(SpindleModel model, int run, int maxTokens, WatermarkOptions? watermark, SamplingOptions sampling)
    {
        var options = new GenerationOptions { MaxTokens = maxTokens, Sampling = sampling, Seed = (ulong)run + 1, Watermark = watermark };
        var ids = new List<int>();
        foreach (var chunk in model.GenerateAsync(Prompts[run % Prompts.Length], options).ToBlockingEnumerable())
            if (chunk.TokenId >= 0) ids.Add(chunk.TokenId);
        return [.. ids];
    }

    private static void Zscores(SpindleModel model, int runs, KgwOptions options, KgwDetector detector, KgwDetector wrongKey)
    {
        var marked = new List<double>();
        var plain = new List<double>();
        var wrong = new List<double>();
        var scored = new List<double>();
        for (int run = 0; run < runs; run++)
        {
            int[] m = Generate(model, run, 200, options, Pure);
            var d = detector.Detect(m);
            marked.Add(d.ZScore);
            scored.Add(d.ScoredTokens);
            plain.Add(detector.Detect(Generate(model, run, 200, null, Pure)).ZScore);
            wrong.Add(wrongKey.Detect(m).ZScore);
        }
        Console.WriteLine($"KGW γ {options.Gamma} δ {options.Delta} h {options.ContextWidth}, tinystories-656K, {runs} runs of ≤ 200 tokens (scored: median {Median(scored)}):");
        Console.WriteLine($"  watermarked z  {Summary(marked)}");
        Console.WriteLine($"  unwatermarked z {Summary(plain)}; max |z| {plain.Max(Math.Abs):F2}");
        Console.WriteLine($"  wrong key z    {Summary(wrong)}; max |z| {wrong.Max(Math.Abs):F2}");
    }

    private static void Tournament(SpindleModel model, int runs, TournamentOptions options, TournamentDetector detector, TournamentDetector wrongKey)
    {
        var marked = new List<double>();
        var markedP = new List<double>();
        var plain = new List<double>();
        var plainP = new List<double>();
        var wrongP = new List<double>();
        var scored = new List<double>();
        for (int run = 0; run < runs; run++)
        {
            int[] m = Generate(model, run, 200, options, Pure);
            var d = detector.Detect(m);
            marked.Add(d.MeanScore);
            markedP.Add(d.PValue);
            scored.Add(d.ScoredTokens);
            var p = detector.Detect(Generate(model, run, 200, null, Pure));
            plain.Add(p.MeanScore);
            plainP.Add(p.PValue);
            wrongP.Add(wrongKey.Detect(m).PValue);
        }
        Console.WriteLine($"Tournament m {options.Layers} H {options.ContextWidth}, tinystories-656K, {runs} runs of ≤ 200 tokens (scored: median {Median(scored)}):");
        Console.WriteLine($"  watermarked mean g {Summary(marked, "F4")}; p max {markedP.Max():G3}");
        Console.WriteLine($"  unwatermarked mean g {Summary(plain, "F4")}; p min {plainP.Min():G3}");
        Console.WriteLine($"  wrong key p min {wrongP.Min():G3}");
    }

    private static void Messages(SpindleModel model, int runs, string name, CodableOptions options, Func<IProxyDistribution?> proxy,
        int maxTokens, SamplingOptions sampling)
    {
        int right = 0, watermarked = 0, falseAlarms = 0;
        var p = new List<double>();
        var times = new List<double>();
        var lengths = new List<double>();
        for (int run = 0; run < runs; run++)
        {
            var sent = options with { Message = Message(options.MessageBits, run) };
            int[] tokens = Generate(model, run, maxTokens, sent, sampling);
            lengths.Add(tokens.Length);
            var decoder = new CodableDecoder(sent, proxy());
            var clock = Stopwatch.StartNew();
            var d = decoder.Decode(tokens);
            times.Add(clock.Elapsed.TotalMilliseconds);
            if (d.Message == sent.Message) right++;
            if (d.Verdict == WatermarkVerdict.Watermarked) watermarked++;
            p.Add(d.PValue);
            var plain = new CodableDecoder(sent, proxy()).Decode(Generate(model, run, maxTokens, null, sampling));
            if (plain.Verdict == WatermarkVerdict.Watermarked) falseAlarms++;
        }
        Console.WriteLine($"{options.Scheme} {options.MessageBits} bits, {name}, {runs} runs of ≤ {maxTokens} tokens (median {Median(lengths)}): "
            + $"message right {right}/{runs}, verdict Watermarked {watermarked}/{runs}, p median {Median(p):G3}, "
            + $"unwatermarked called Watermarked {falseAlarms}/{runs}; decode ms median {Median(times):F0} (max {times.Max():F0})");
    }

    /// <summary>
    /// Per generated token: the time spent choosing it (GenerationUsage.SamplingTime: the sampler chain with the
    /// watermark, Balance-Marking's proxy pass included, and the raw logprobs) and the whole decode step, over three
    /// alternating rounds of 5 texts × 200 tokens each (the machine is shared: the best round is reported).
    /// </summary>
    private static void Speed(SpindleModel model, WatermarkKey key)
    {
        var cases = new (string Name, WatermarkOptions? Options)[]
        {
            ("none", null), ("KGW", new KgwOptions { Key = key }), ("KGW self-hash h 4", new KgwOptions { Key = key, Seeding = KgwSeeding.SelfHash, ContextWidth = 4 }),
            ("tournament m 30", new TournamentOptions { Key = key }), ("Balance (self proxy)", new CodableOptions { Key = key, MessageBits = 16 }),
            ("Vanilla", new CodableOptions { Key = key, Scheme = CodableScheme.Vanilla, MessageBits = 16 }),
        };
        var noEnd = NoEnd(model);
        var best = new (double Sampling, double Decode)[cases.Length];
        for (int c = 0; c < cases.Length; c++) best[c] = (double.MaxValue, double.MaxValue);
        for (int round = 0; round < 4; round++)
        {
            for (int c = 0; c < cases.Length; c++)
            {
                double sampling = 0, decode = 0;
                int tokens = 0;
                for (int run = 0; run < 5; run++)
                {
                    var options = new GenerationOptions { MaxTokens = 200, Sampling = noEnd, Seed = (ulong)run + 1, Watermark = cases[c].Options };
                    GenerationUsage? usage = null;
                    foreach (var chunk in model.GenerateAsync(Prompts[run], options).ToBlockingEnumerable()) usage = chunk.Usage ?? usage;
                    sampling += usage!.SamplingTime.TotalMicroseconds;
                    decode += usage.DecodeTime.TotalMicroseconds;
                    tokens += usage.GeneratedTokens;
                }
                if (round > 0) best[c] = (Math.Min(best[c].Sampling, sampling / tokens), Math.Min(best[c].Decode, decode / tokens)); // round 0 warms up
            }
        }
        Console.WriteLine("Per token, tinystories-656K q8_0, 1 thread, best of 3 rounds of 5 × 200 tokens:");
        for (int c = 0; c < cases.Length; c++)
            Console.WriteLine($"  {cases[c].Name,-22} choosing {best[c].Sampling,6:F1} µs, whole step {best[c].Decode,6:F1} µs ({1e6 / best[c].Decode:F0} tokens/s)");
    }

    private static string Summary(List<double> values, string format = "F2") =>
        $"min {values.Min().ToString(format)}, median {Median(values).ToString(format)}, max {values.Max().ToString(format)}";

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string FindShared()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Spindle.slnx"))) return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
        throw new DirectoryNotFoundException("Spindle.slnx not found");
    }
}
