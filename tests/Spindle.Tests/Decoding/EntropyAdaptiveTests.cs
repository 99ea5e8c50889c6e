using Spindle.Decoding;
using Spindle.Decoding.EntropyAdaptive;
using Spindle.Generation;
using Spindle.Models;
using Spindle.Sampling;
using Spindle.Tests.Generation;
using Spindle.Tokenization;

namespace Spindle.Tests.Decoding;

/// <summary>
/// Entropy-adaptive decoding with stories260K (small) and stories281K (large), which share the llama2.c 512-token
/// vocabulary. The thresholds that pin the decoder to one model must reproduce that model's greedy output token for token;
/// a mixed run must leave both caches equal to a fresh prefill of what they claim to hold, and every token must be the
/// argmax of the logits of the model the report says chose it.
/// </summary>
public sealed class EntropyAdaptiveTests
{
    private static string Small => GenerationTestModels.Stories260K;
    private static string Large => SharedData.PathOf("models", "stories281K", "stories281K.f32.gguf");

    private static readonly string[] Prompts = ["Once upon a time", "Lily and Tom went to the park", "The little dog was sad because"];

    private static GenerationOptions Greedy(int maxTokens) =>
        new() { MaxTokens = maxTokens, Sampling = new SamplingOptions { Temperature = 0f } };

    // A middle setting for this pair: both models are unsure at about a third of the steps of these prompts, so the
    // window-1 run switches many times each way (checked below, not assumed).
    private static readonly EntropyAdaptiveOptions Mixed = new() { Window = 1, TauUp = 1.0, TauDown = 0.8 };

    [Fact]
    public void TheModelsShareAVocabulary()
    {
        using var small = GenerationTestModels.Load(Small);
        using var large = GenerationTestModels.Load(Large);
        Assert.Equal(small.Vocabulary.Tokens, large.Vocabulary.Tokens);
        Assert.True(ModelParameters.Count(large.Model) > ModelParameters.Count(small.Model));
    }

    [Theory]
    [InlineData(0, EntropySource.ActiveModel)]
    [InlineData(1, EntropySource.ActiveModel)]
    [InlineData(2, EntropySource.ActiveModel)]
    [InlineData(0, EntropySource.SmallModel)]
    public void InfiniteTauUpIsSmallOnlyGreedy(int promptIndex, EntropySource source)
    {
        using var small = GenerationTestModels.Load(Small);
        using var large = GenerationTestModels.Load(Large);
        var prompt = small.EncodePrompt(Prompts[promptIndex]);
        var options = Greedy(60);
        var expected = GenerationTestModels.Collect(small.GenerateAsync(prompt, options));

        var decoder = new EntropyAdaptiveDecoder(small, large, new EntropyAdaptiveOptions { TauUp = double.PositiveInfinity, TauDown = 2, EntropySource = source });
        var chunks = decoder.Generate(prompt, options).ToList();

        Assert.Equal(GenerationTestModels.IdsOf(expected), GenerationTestModels.IdsOf(chunks));
        Assert.Equal(GenerationTestModels.TextOf(expected), GenerationTestModels.TextOf(chunks));
        Assert.Equal(expected[^1].FinishReason, chunks[^1].FinishReason);
        var report = decoder.Report!;
        Assert.Equal(0, report.LargeTokens);
        Assert.Equal(0, report.Switches);
        Assert.Equal(0, report.LargeEvaluatedTokens);
        Assert.Equal((double)report.SmallParameters / report.LargeParameters, report.ParameterWeightedCost, 12);
    }

    [Theory]
    [InlineData(0, EntropySource.ActiveModel)]
    [InlineData(1, EntropySource.ActiveModel)]
    [InlineData(2, EntropySource.ActiveModel)]
    [InlineData(1, EntropySource.SmallModel)]
    public void MinusInfiniteTausAreLargeOnlyGreedy(int promptIndex, EntropySource source)
    {
        using var small = GenerationTestModels.Load(Small);
        using var large = GenerationTestModels.Load(Large);
        var prompt = large.EncodePrompt(Prompts[promptIndex]);
        var options = Greedy(60);
        var expected = GenerationTestModels.IdsOf(GenerationTestModels.Collect(large.GenerateAsync(prompt, options)));

        // Starting large: the small model never runs. Starting small: it measures the first step, is above −∞, and the
        // large model takes that very step and every later one.
        foreach (bool startLarge in new[] { true, false })
        {
            var decoder = new EntropyAdaptiveDecoder(small, large, new EntropyAdaptiveOptions
            {
                TauUp = double.NegativeInfinity, TauDown = double.NegativeInfinity, StartWithLarge = startLarge, EntropySource = source,
            });
            var chunks = decoder.Generate(prompt, options).ToList();
            Assert.Equal(expected, GenerationTestModels.IdsOf(chunks));
            Assert.Equal(1.0, decoder.Report!.LargeShare);
            Assert.Equal(startLarge ? 0 : 1, decoder.Report.Switches);
        }
    }

    [Fact]
    public void LargeOnlyGreedyMatchesGreedySearch()
    {
        using var small = GenerationTestModels.Load(Small);
        using var large = GenerationTestModels.Load(Large);
        var prompt = large.EncodePrompt(Prompts[0]);
        var report = EntropyAdaptiveComparison.Run(new EntropyAdaptiveDecoder(small, large, EntropyAdaptiveComparison.LargeOnly), prompt, Greedy(40));
        var greedy = GreedySearch.Run(large.Model, prompt, new GreedySearchOptions { MaxNewTokens = 40 });
        Assert.Equal(greedy.Tokens, report.Tokens.Take(greedy.Tokens.Length));
    }

    [Theory]
    [InlineData(0, EntropySource.ActiveModel)]
    [InlineData(1, EntropySource.ActiveModel)]
    [InlineData(2, EntropySource.ActiveModel)]
    [InlineData(0, EntropySource.SmallModel)]
    [InlineData(1, EntropySource.SmallModel)]
    [InlineData(2, EntropySource.SmallModel)]
    public void MixedRunSwitchesAndKeepsBothCachesConsistent(int promptIndex, EntropySource source)
    {
        using var small = GenerationTestModels.Load(Small);
        using var large = GenerationTestModels.Load(Large);
        var prompt = small.EncodePrompt(Prompts[promptIndex]);
        var decoder = new EntropyAdaptiveDecoder(small, large, Mixed with { EntropySource = source });
        var chunks = decoder.Generate(prompt, Greedy(80) with { TopLogprobs = 2 }).ToList();
        var report = decoder.Report!;

        Assert.True(report.Switches >= 4, $"only {report.Switches} switches");
        Assert.InRange(report.LargeShare, 0.05, 0.95);
        Assert.Equal(GenerationTestModels.IdsOf(chunks), report.Tokens);

        // Each cache holds a prefix of the sequence; its logits are those of a fresh prefill of that prefix.
        var sequence = decoder.LastSequence!.ToArray();
        Assert.Equal([.. prompt, .. report.Tokens], sequence);
        foreach (var (lane, model) in new[] { (decoder.LastSmallLane!, small.Model), (decoder.LastLargeLane!, large.Model) })
        {
            Assert.InRange(lane.CachedCount, prompt.Length, sequence.Length - 1);
            // Measuring the small model, it has evaluated every token but the last chosen.
            if (source == EntropySource.SmallModel && model == small.Model) Assert.Equal(sequence.Length - 1, lane.CachedCount);
            Assert.Equal(lane.CachedCount, lane.EvaluatedTokens);
            var fresh = new InferenceSession(model, small.Options.CacheType, sequence.Length).Prefill(sequence.AsSpan(0, lane.CachedCount)).ToArray();
            AssertClose(fresh, lane.Logits.ToArray(), 1e-4f);
        }

        // Every token is the argmax of (and carries the logprob under) the model the report says chose it.
        var smallRows = AllRows(small.Model, sequence);
        var largeRows = AllRows(large.Model, sequence);
        var logprobs = new RawLogprobs(small.Model.Config.VocabSize);
        int vocab = small.Model.Config.VocabSize;
        for (int i = 0; i < report.Tokens.Count; i++)
        {
            var row = (report.FromLarge[i] ? largeRows : smallRows).AsSpan((prompt.Length - 1 + i) * vocab, vocab);
            int best = Argmax(row);
            Assert.True(best == report.Tokens[i] || row[best] - row[report.Tokens[i]] < 1e-4f,
                $"token {i}: chose {report.Tokens[i]}, the {(report.FromLarge[i] ? "large" : "small")} model's argmax is {best}");
            logprobs.Compute(row);
            Assert.Equal(logprobs.Of(row, report.Tokens[i]), chunks[i].Logprob, 1e-3);
        }
    }

    [Fact]
    public void CostOfStartingSmallAndHandingOverAtOnce()
    {
        using var small = GenerationTestModels.Load(Small);
        using var large = GenerationTestModels.Load(Large);
        var prompt = small.EncodePrompt(Prompts[0]);
        var decoder = new EntropyAdaptiveDecoder(small, large, new EntropyAdaptiveOptions { TauUp = double.NegativeInfinity, TauDown = double.NegativeInfinity });
        var report = EntropyAdaptiveComparison.Run(decoder, prompt, Greedy(10));

        // The small model evaluates the prompt once (to measure the first step); the large model then evaluates the prompt
        // in its catch-up and the nine generated tokens that are fed back (the tenth ends the run).
        int p = prompt.Length, n = report.GeneratedTokens;
        Assert.Equal(10, n);
        Assert.Equal(p, report.SmallEvaluatedTokens);
        Assert.Equal(p + n - 1, report.LargeEvaluatedTokens);
        Assert.Equal(n, report.LargeTokens);
        Assert.Equal(1, report.Switches);
        Assert.Equal(p + n - 1, report.ReferenceEvaluatedTokens);
        double expected = ((double)p * report.SmallParameters + (double)(p + n - 1) * report.LargeParameters)
                          / ((double)(p + n - 1) * report.LargeParameters);
        Assert.Equal(expected, report.ParameterWeightedCost, 12);
        Assert.True(report.ParameterWeightedCost > 1);
        Assert.Equal(1.0, report.GenerationParameterCost, 12);
    }

    [Fact]
    public void CostWhenTheSmallModelMeasuresEveryStep()
    {
        using var small = GenerationTestModels.Load(Small);
        using var large = GenerationTestModels.Load(Large);
        var prompt = small.EncodePrompt(Prompts[2]);
        var decoder = new EntropyAdaptiveDecoder(small, large, new EntropyAdaptiveOptions
        {
            TauUp = double.NegativeInfinity, TauDown = double.NegativeInfinity, EntropySource = EntropySource.SmallModel,
        });
        var report = EntropyAdaptiveComparison.Run(decoder, prompt, Greedy(9));

        // Both models evaluate the prompt and the eight tokens fed back: the small one to measure every step, the large
        // one to choose every token.
        int p = prompt.Length, n = report.GeneratedTokens;
        Assert.Equal(9, n);
        Assert.Equal(p + n - 1, report.SmallEvaluatedTokens);
        Assert.Equal(p + n - 1, report.LargeEvaluatedTokens);
        Assert.Equal(n, report.LargeTokens);
        Assert.Equal(1, report.Switches);
        Assert.Equal(1 + (double)report.SmallParameters / report.LargeParameters, report.ParameterWeightedCost, 12);
    }

    [Fact]
    public void CostOfStartingLargeAndHandingBackAtOnce()
    {
        using var small = GenerationTestModels.Load(Small);
        using var large = GenerationTestModels.Load(Large);
        var prompt = small.EncodePrompt(Prompts[1]);
        var decoder = new EntropyAdaptiveDecoder(small, large, new EntropyAdaptiveOptions
        {
            StartWithLarge = true, TauUp = double.PositiveInfinity, TauDown = double.PositiveInfinity,
        });
        var report = EntropyAdaptiveComparison.Run(decoder, prompt, Greedy(12));

        // The large model evaluates the prompt and picks the first token; every later token is the small model's, which
        // catches up on the prompt and that token at once.
        int p = prompt.Length, n = report.GeneratedTokens;
        Assert.Equal(12, n);
        Assert.Equal(p, report.LargeEvaluatedTokens);
        Assert.Equal(p + n - 1, report.SmallEvaluatedTokens);
        Assert.Equal(1, report.LargeTokens);
        Assert.Equal([true, .. Enumerable.Repeat(false, n - 1)], report.FromLarge);
        Assert.Equal(1.0 / n, report.LargeShare, 12);
        Assert.Equal(1, report.Switches);
        double expected = ((double)p * report.LargeParameters + (double)(p + n - 1) * report.SmallParameters)
                          / ((double)(p + n - 1) * report.LargeParameters);
        Assert.Equal(expected, report.ParameterWeightedCost, 12);
        Assert.Equal((report.LargeParameters + (n - 1.0) * report.SmallParameters) / (n * (double)report.LargeParameters),
            report.GenerationParameterCost, 12);
    }

    [Fact]
    public void ParameterCountsAreTheTensorElements()
    {
        using var small = GenerationTestModels.Load(Small);
        using var large = GenerationTestModels.Load(Large);
        var decoder = new EntropyAdaptiveDecoder(small, large);
        // From the shapes the config implies (llama layout: q, k, v, o, gate, up, down, two norms per layer), not the file.
        var c = small.Model.Config;
        long e = c.EmbeddingLength;
        long perLayer = e * (c.QueryWidth + c.KeyWidth + c.ValueWidth) + (long)c.AttentionOutputWidth * e + 3 * e * c.FeedForwardLength + 2 * e;
        long expected = c.LayerCount * perLayer + (long)c.VocabSize * e * (small.Model.Weights.IsOutputTied ? 1 : 2) + e;
        Assert.Equal(expected, decoder.SmallParameters);
        Assert.True(decoder.LargeParameters > decoder.SmallParameters);
    }

    [Fact]
    public void StopStringsAndMaxTokensWorkAsInNormalGeneration()
    {
        using var small = GenerationTestModels.Load(Small);
        using var large = GenerationTestModels.Load(Large);
        var prompt = small.EncodePrompt(Prompts[0]);
        var decoder = new EntropyAdaptiveDecoder(small, large, Mixed);
        var full = decoder.Generate(prompt, Greedy(60)).ToList();
        string text = GenerationTestModels.TextOf(full);
        Assert.True(text.Length > 20, text);

        // A stop string from the middle of the output ends it right before the string.
        string stop = text.Substring(text.Length / 2, 4);
        var stopped = decoder.Generate(prompt, Greedy(60) with { StopStrings = [stop] }).ToList();
        Assert.Equal(FinishReason.StopString, stopped[^1].FinishReason);
        Assert.Equal(text[..text.IndexOf(stop, StringComparison.Ordinal)], GenerationTestModels.TextOf(stopped));

        var capped = decoder.Generate(prompt, Greedy(7)).ToList();
        Assert.Equal(7, GenerationTestModels.IdsOf(capped).Length);
        Assert.Equal(FinishReason.Length, capped[^1].FinishReason);
        Assert.Equal(7, capped[^1].Usage!.GeneratedTokens);
        Assert.Equal(GenerationTestModels.IdsOf(full).Take(7), GenerationTestModels.IdsOf(capped));
    }

    [Fact]
    public async Task StreamsTheSameAndEndsCancelledWhenCancelled()
    {
        using var small = GenerationTestModels.Load(Small);
        using var large = GenerationTestModels.Load(Large);
        var prompt = small.EncodePrompt(Prompts[2]);
        var decoder = new EntropyAdaptiveDecoder(small, large, Mixed);
        var sync = GenerationTestModels.IdsOf(decoder.Generate(prompt, Greedy(30)));
        var streamed = new List<GenerationChunk>();
        await foreach (var chunk in decoder.GenerateAsync(prompt, Greedy(30))) streamed.Add(chunk);
        Assert.Equal(sync, GenerationTestModels.IdsOf(streamed));

        using var cancel = new CancellationTokenSource();
        var chunks = new List<GenerationChunk>();
        foreach (var chunk in decoder.Generate(prompt, Greedy(30), cancel.Token))
        {
            chunks.Add(chunk);
            if (chunks.Count == 5) cancel.Cancel();
        }
        Assert.Equal(FinishReason.Cancelled, chunks[^1].FinishReason);
        Assert.Equal(5, decoder.Report!.GeneratedTokens);
        Assert.Equal(sync.Take(5), decoder.Report.Tokens);
    }

    [Fact]
    public void AgreementAndPerplexity()
    {
        var agreement = EntropyAdaptiveComparison.Agreement([1, 2, 3, 9, 5, 6], [1, 2, 3, 4, 5]);
        Assert.Equal(new TokenAgreement(5, 4, 3), agreement);
        Assert.Equal(0.8, agreement.Fraction, 12);
        Assert.Equal(new TokenAgreement(2, 2, 2), EntropyAdaptiveComparison.Agreement([7, 8], [7, 8, 9]));

        using var large = GenerationTestModels.Load(Large);
        var prompt = large.EncodePrompt(Prompts[0]);
        var chunks = GenerationTestModels.Collect(large.GenerateAsync(prompt, Greedy(20)));
        int[] output = GenerationTestModels.IdsOf(chunks);
        double expected = Math.Exp(-chunks.Where(c => c.TokenId >= 0).Sum(c => (double)c.Logprob) / output.Length);
        Assert.Equal(expected, EntropyAdaptiveComparison.Perplexity(large.Model, prompt, output), 1e-3);
    }

    [Fact]
    public void RollingEntropyIsInNatsAndAveragesTheLastSteps()
    {
        var scratch = new float[8];
        Assert.Equal(Math.Log(8), RollingEntropy.Of(new float[8], scratch), 5);
        Assert.Equal(Math.Log(2), RollingEntropy.Of([3f, 3f, -200f, -200f], scratch), 5);
        Assert.Equal(0, RollingEntropy.Of([50f, -50f], scratch), 6);

        var window = new RollingEntropy(3);
        window.Push(1);
        window.Push(2);
        Assert.Equal(1.5, window.Mean, 12);
        window.Push(3);
        window.Push(7); // drops the 1
        Assert.Equal(4, window.Mean, 12);
        window.ReplaceLast(1);
        Assert.Equal(2, window.Mean, 12);
    }

    [Theory]
    [InlineData(0, 1.0, 0.5)]
    [InlineData(5, 1.0, 1.5)]
    [InlineData(5, double.NaN, 0.5)]
    [InlineData(5, 1.0, double.NaN)]
    [InlineData(5, double.NegativeInfinity, 0.0)]
    [InlineData(5, 1.0, 0.5, 7)]
    public void BadOptionsThrow(int window, double up, double down, int source = 0)
    {
        var options = new EntropyAdaptiveOptions { Window = window, TauUp = up, TauDown = down, EntropySource = (EntropySource)source };
        Assert.ThrowsAny<ArgumentException>(options.Validate);
        using var small = GenerationTestModels.Load(Small);
        using var large = GenerationTestModels.Load(Large);
        Assert.ThrowsAny<ArgumentException>(() => new EntropyAdaptiveDecoder(small, large, options));
    }

    [Fact]
    public void MismatchedVocabulariesThrow()
    {
        using var small = GenerationTestModels.Load(Small);
        using var other = GenerationTestModels.Load(GenerationTestModels.TinyStoriesQ8);
        var ex = Assert.Throws<ArgumentException>(() => new EntropyAdaptiveDecoder(small, other));
        Assert.Contains("vocabularies differ", ex.Message);

        // Same size, one text differs: named by id.
        var a = Vocab("a", "b", "c");
        var b = Vocab("a", "x", "c");
        var mismatch = Assert.Throws<ArgumentException>(() => VocabularyMatch.Ensure(3, a, 3, b));
        Assert.Contains("token 1", mismatch.Message);
        VocabularyMatch.Ensure(3, a, 3, Vocab("a", "b", "c"));
    }

    [Fact]
    public void BadRequestsThrowBeforeAnyWork()
    {
        using var small = GenerationTestModels.Load(Small, context: 32);
        using var large = GenerationTestModels.Load(Large);
        var decoder = new EntropyAdaptiveDecoder(small, large);
        Assert.Throws<ArgumentException>(() => decoder.Generate([], Greedy(4)));
        Assert.Throws<Spindle.Caching.ContextExceededException>(() => decoder.Generate(Enumerable.Repeat(1, 32).ToArray(), Greedy(4)));
        Assert.Throws<ArgumentException>(() => decoder.Generate([1], Greedy(4) with { Contrastive = new ContrastiveSearchOptions() }));
    }

    [Fact]
    public void CliFlagsLoadTheSmallModelOrSayWhatIsWrong()
    {
        var flags = new Spindle.Cli.Commands.EadFlags();
        var command = new System.CommandLine.RootCommand();
        foreach (var option in flags.All) command.Options.Add(option);
        using var large = GenerationTestModels.Load(Large);

        Assert.Null(flags.Load(command.Parse([]), large));
        Assert.Throws<Spindle.Cli.CliException>(() => flags.Load(command.Parse(["--ead-up", "2"]), large));
        Assert.Throws<Spindle.Cli.CliException>(() => flags.Load(command.Parse(["--ead-small", Small, "--ead-up", "1", "--ead-down", "2"]), large));
        var mismatch = Assert.Throws<Spindle.Cli.CliException>(() => flags.Load(command.Parse(["--ead-small", GenerationTestModels.TinyStoriesQ8]), large));
        Assert.Contains("vocabularies differ", mismatch.Message);
        Assert.NotEmpty(command.Parse(["--ead-small", Small, "--ead-window", "0"]).Errors);

        var selection = flags.Load(command.Parse(["--ead-small", Small, "--ead-up", "1.5", "--ead-window", "2", "--ead-small-entropy"]), large)!;
        using (selection.Small)
        {
            Assert.Equal(new EntropyAdaptiveOptions { Window = 2, TauUp = 1.5, TauDown = 0.8 * 1.5, EntropySource = EntropySource.SmallModel }, selection.Options);
            Assert.Equal(512, selection.Small.Model.Config.VocabSize);
        }
    }

    private static Vocabulary Vocab(params string[] tokens) =>
        new("llama", null, tokens, null, new TokenAttributes[tokens.Length], null);

    /// <summary>Logits after every token of <paramref name="sequence"/> (rows of n_vocab), from one fresh pass.</summary>
    private static float[] AllRows(Model model, int[] sequence)
    {
        var rows = new float[sequence.Length * model.Config.VocabSize];
        new InferenceSession(model, contextLength: sequence.Length).Evaluate(sequence, rows);
        return rows;
    }

    private static int Argmax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
        return best;
    }

    private static void AssertClose(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        Assert.True(worst <= tolerance, $"max |Δ| = {worst}");
    }
}

/// <summary>
/// The measured curve of docs/entropy-adaptive-decoding.md: small = stories260K f32, large = a grown stories260K
/// (<c>spindle synth --grow</c>, its FFN widened with near-zero extras) or the file SPINDLE_EAD_LARGE names; 8 prompts ×
/// 128 greedy tokens, τ_up swept with τ_down = 0.8·τ_up. Skipped unless SPINDLE_EAD_CURVE=1 (it is a measurement, not a
/// check); SPINDLE_EAD_CURVE_OUT names a file to write the table to as well. Other knobs (comma lists):
/// SPINDLE_EAD_WINDOWS (5), SPINDLE_EAD_TAUS, SPINDLE_EAD_DOWN_RATIOS (0.8), SPINDLE_EAD_SOURCES (active | small),
/// SPINDLE_EAD_TIMING_RUNS (2), SPINDLE_EAD_THREADS (1).
/// </summary>
[Trait("Category", "Measure")]
public sealed class EntropyAdaptiveCurveMeasurement(ITestOutputHelper output)
{
    private static readonly string[] Prompts =
    [
        "Once upon a time", "Lily and Tom went to the park", "The little dog was sad because", "One day, a boy named Max",
        "The sun was shining and", "Sara had a red ball", "In a small house lived a cat", "Mom said it was time to",
    ];

    private static readonly double[] TauUps = [double.PositiveInfinity, 3, 2.5, 2, 1.75, 1.5, 1.25, 1, 0.75, 0.5, 0.25, 0];

    [Fact]
    public void Curve()
    {
        Assert.SkipUnless(Environment.GetEnvironmentVariable("SPINDLE_EAD_CURVE") == "1", "a measurement: set SPINDLE_EAD_CURVE=1 to run it");
        string? largePath = Environment.GetEnvironmentVariable("SPINDLE_EAD_LARGE") ?? FindGrown();
        Assert.SkipWhen(largePath is null || !File.Exists(largePath), $"no large model: set SPINDLE_EAD_LARGE or grow one into {GrownFolder}");
        int threads = int.TryParse(Environment.GetEnvironmentVariable("SPINDLE_EAD_THREADS"), out int t) ? t : 1;
        int[] windows = ListOf("SPINDLE_EAD_WINDOWS", "5").Select(w => (int)w).ToArray();
        double[] tauUps = Environment.GetEnvironmentVariable("SPINDLE_EAD_TAUS") is { Length: > 0 } ? ListOf("SPINDLE_EAD_TAUS", "") : TauUps;
        double[] downRatios = ListOf("SPINDLE_EAD_DOWN_RATIOS", "0.8");
        var sources = (Environment.GetEnvironmentVariable("SPINDLE_EAD_SOURCES") ?? "active").Split(',')
            .Select(x => x.Trim() == "small" ? EntropySource.SmallModel : EntropySource.ActiveModel).Distinct().ToArray();

        using var small = GenerationTestModels.Load(GenerationTestModels.Stories260K, threads);
        using var large = GenerationTestModels.Load(largePath!, threads);
        var prompts = Prompts.Select(p => (IReadOnlyList<int>)small.EncodePrompt(p)).ToArray();
        var settings = (from source in sources
                        from w in windows
                        from ratio in downRatios
                        from up in tauUps
                        select new EntropyAdaptiveOptions
                        {
                            Window = w, TauUp = up, TauDown = double.IsInfinity(up) ? up : ratio * up, EntropySource = source,
                        }).ToArray();
        var generation = new GenerationOptions { MaxTokens = 128, Sampling = new SamplingOptions { Temperature = 0f } };
        int timingRuns = int.TryParse(Environment.GetEnvironmentVariable("SPINDLE_EAD_TIMING_RUNS"), out int r) ? r : 2;
        var points = EntropyAdaptiveComparison.Curve(small, large, prompts, settings, generation, timingRuns);

        var decoder = new EntropyAdaptiveDecoder(small, large);
        string table = $"small: {Path.GetFileName(GenerationTestModels.Stories260K)} ({decoder.SmallParameters:N0} parameters); " +
                       $"large: {Path.GetFileName(largePath)} ({decoder.LargeParameters:N0} parameters); threads {threads}; " +
                       $"{prompts.Length} prompts × ≤ {generation.MaxTokens} greedy tokens; fastest of {timingRuns} timings\n\n" + EntropyAdaptiveComparison.FormatTable(points);
        table += "\n" + Disagreements(small, large, prompts, generation);
        output.WriteLine(table);
        if (Environment.GetEnvironmentVariable("SPINDLE_EAD_CURVE_OUT") is { Length: > 0 } path) File.WriteAllText(path, table);
    }

    /// <summary>
    /// Along each large-only greedy output (teacher-forced, so no divergence), where the two models' argmaxes differ and
    /// how unsure the small model is there: for each τ, the share of positions whose small-model entropy exceeds τ (what a
    /// window-1 router without hysteresis would give the large model) and the share of argmax disagreements among them
    /// (what it would catch). An output matches large-only exactly only if every disagreement is caught.
    /// </summary>
    private static string Disagreements(SpindleModel small, SpindleModel large, IReadOnlyList<IReadOnlyList<int>> prompts, GenerationOptions generation)
    {
        int vocab = small.Model.Config.VocabSize;
        var scratch = new float[vocab];
        var entropies = new List<double>();
        var differs = new List<bool>();
        foreach (var prompt in prompts)
        {
            var reference = EntropyAdaptiveComparison.Run(new EntropyAdaptiveDecoder(small, large, EntropyAdaptiveComparison.LargeOnly), prompt, generation);
            int[] sequence = [.. prompt, .. reference.Tokens];
            var smallRows = new float[sequence.Length * vocab];
            var largeRows = new float[sequence.Length * vocab];
            new InferenceSession(small.Model, contextLength: sequence.Length).Evaluate(sequence, smallRows);
            new InferenceSession(large.Model, contextLength: sequence.Length).Evaluate(sequence, largeRows);
            for (int i = prompt.Count - 1; i < sequence.Length - 1; i++)
            {
                var s = smallRows.AsSpan(i * vocab, vocab);
                entropies.Add(RollingEntropy.Of(s, scratch));
                differs.Add(Argmax(s) != Argmax(largeRows.AsSpan(i * vocab, vocab)));
            }
        }
        int total = differs.Count(d => d);
        var text = new System.Text.StringBuilder();
        text.AppendLine($"Teacher-forced on the large-only outputs: {entropies.Count} positions, argmaxes differ at {total} ({(double)total / entropies.Count:P1}).");
        text.AppendLine();
        text.AppendLine("| τ | positions with H_small > τ | disagreements among them |");
        text.AppendLine("|---:|---:|---:|");
        foreach (double tau in new[] { 3, 2.5, 2, 1.75, 1.5, 1.25, 1, 0.75, 0.5, 0.25, 0.1 })
        {
            int above = 0, caught = 0;
            for (int i = 0; i < entropies.Count; i++)
            {
                if (entropies[i] <= tau) continue;
                above++;
                if (differs[i]) caught++;
            }
            text.AppendLine(FormattableString.Invariant($"| {tau} | {(double)above / entropies.Count:P1} | {(total == 0 ? 1 : (double)caught / total):P1} |"));
        }
        return text.ToString();
    }

    private static int Argmax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
        return best;
    }

    private static double[] ListOf(string variable, string fallback) =>
        (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } v ? v : fallback)
            .Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(x => x.Trim() switch { "inf" or "+inf" => double.PositiveInfinity, "-inf" => double.NegativeInfinity, var t => double.Parse(t, System.Globalization.CultureInfo.InvariantCulture) })
            .ToArray();

    private static string GrownFolder => Path.GetFullPath(Path.Combine(SharedData.Root, "..", "benchfiles", "grown"));

    private static string? FindGrown() =>
        Directory.Exists(GrownFolder)
            ? Directory.EnumerateFiles(GrownFolder, "stories260K*.gguf").Order(StringComparer.Ordinal).FirstOrDefault()
            : null;
}
