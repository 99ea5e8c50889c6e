using System.Diagnostics;
using Spindle.Generation;
using Spindle.Sampling;
using Spindle.Tokenization;
using Spindle.Watermarking.Codable;

namespace Spindle.Watermarking.Evaluation;

/// <summary>
/// Runs a <see cref="WatermarkEvaluationOptions"/> evaluation on one model and reports the Balance-Marking paper's
/// five measurements (<see cref="WatermarkEvaluationReport"/>):
/// <list type="number">
/// <item>N texts with the watermark and N without are generated in alternation (text i: same prompt, same seed; which
/// of the pair goes first alternates too), timing the decode steps of each;</item>
/// <item>every text is scored by the scheme's detector (<see cref="WatermarkScorer"/>); codable texts each carry their
/// own message, a keyed function of the seed and i;</item>
/// <item>for each attack (token substitution, deletion, insertion at each rate; words replaced by words of the
/// unwatermarked texts, the text re-tokenized) and each length cut, both sets are edited alike (seeded per text) and
/// scored again: the empirical threshold always comes from unwatermarked texts that went through the same edit;</item>
/// <item>the perplexity of both sets under the generating model, each text given its prompt.</item>
/// </list>
/// Runs on the calling thread; the model's own thread count applies.
/// </summary>
public static class WatermarkEvaluator
{
    public static WatermarkEvaluationReport Run(SpindleModel model, WatermarkEvaluationOptions options, Action<string>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var clock = Stopwatch.StartNew();
        int n = options.Texts;
        var vocab = model.Vocabulary;
        var sampling = options.AllowEndOfGeneration ? options.Sampling : BanEndOfGeneration(options.Sampling, vocab);
        var codable = options.Watermark as CodableOptions;
        int bits = codable?.MessageBits ?? 0;

        var sent = new ulong[n];
        var prompts = new int[n][];
        var marked = new int[n][];
        var plain = new int[n][];
        var markedTime = TimeSpan.Zero;
        var plainTime = TimeSpan.Zero;
        long markedTokens = 0, plainTokens = 0;
        for (int i = 0; i < n; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            prompts[i] = model.EncodePrompt(options.Prompts[i % options.Prompts.Count]);
            var watermark = options.Watermark;
            if (codable is not null) watermark = codable with { Message = sent[i] = Message(options.Seed, i, bits) };
            var generation = new GenerationOptions { MaxTokens = options.Tokens, Sampling = sampling, Seed = options.Seed + (ulong)i };
            // Alternating which of the pair runs first spreads warm-up, caching and machine load over both sides.
            for (int side = 0; side < 2; side++)
            {
                bool watermarked = (side == 0) == (i % 2 == 0);
                var (ids, usage) = Generate(model, prompts[i], watermarked ? generation with { Watermark = watermark } : generation, cancellationToken);
                if (watermarked)
                {
                    marked[i] = ids;
                    markedTime += usage.DecodeTime;
                    markedTokens += usage.GeneratedTokens;
                }
                else
                {
                    plain[i] = ids;
                    plainTime += usage.DecodeTime;
                    plainTokens += usage.GeneratedTokens;
                }
            }
            if (progress is not null && ((i + 1) % 10 == 0 || i + 1 == n)) progress($"generated {i + 1}/{n} pairs");
        }

        var scorer = new WatermarkScorer(options.Watermark, model.Model, vocab.BosId, options.Detection);
        var detectClock = Stopwatch.StartNew();
        var markedScores = ScoreAll(scorer, marked);
        double detectMs = detectClock.Elapsed.TotalMilliseconds / n;
        var plainScores = ScoreAll(scorer, plain);
        var sentOrNull = codable is null ? null : sent;
        var detection = Summarize(options, markedScores, plainScores, marked, sentOrNull, bits);
        progress?.Invoke("scored the texts");

        var robustness = new List<AttackSummary>();
        int[] pool = OrdinaryTokens(vocab);
        var attacks = new[] { TokenAttack.Substitution, TokenAttack.Deletion, TokenAttack.Insertion };
        for (int a = 0; a < attacks.Length; a++)
        {
            foreach (double rate in options.AttackRates)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var m = new int[n][];
                var p = new int[n][];
                for (int i = 0; i < n; i++)
                {
                    m[i] = TokenAttacks.Apply(attacks[a], marked[i], rate, pool, AttackSeed(options.Seed, a, rate, i, 0));
                    p[i] = TokenAttacks.Apply(attacks[a], plain[i], rate, pool, AttackSeed(options.Seed, a, rate, i, 1));
                }
                robustness.Add(new AttackSummary(Name(attacks[a]), rate, Summarize(options, ScoreAll(scorer, m), ScoreAll(scorer, p), m, sentOrNull, bits)));
            }
        }
        if (options.WordAttackRates.Count > 0)
        {
            var tokenizer = model.Tokenizer;
            var markedText = new string[n];
            var plainText = new string[n];
            for (int i = 0; i < n; i++)
            {
                markedText[i] = tokenizer.Decode(marked[i]);
                plainText[i] = tokenizer.Decode(plain[i]);
            }
            var words = WordAttack.Pool(plainText);
            foreach (double rate in options.WordAttackRates)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var m = new int[n][];
                var p = new int[n][];
                for (int i = 0; i < n; i++)
                {
                    m[i] = tokenizer.Encode(WordAttack.ReplaceWords(markedText[i], rate, words, AttackSeed(options.Seed, 3, rate, i, 0)));
                    p[i] = tokenizer.Encode(WordAttack.ReplaceWords(plainText[i], rate, words, AttackSeed(options.Seed, 3, rate, i, 1)));
                }
                robustness.Add(new AttackSummary("word", rate, Summarize(options, ScoreAll(scorer, m), ScoreAll(scorer, p), m, sentOrNull, bits)));
            }
        }
        progress?.Invoke("scored the attacks");

        // Text by text, shortest cut first: each cut extends the one before, so Balance-Marking's proxy (which keeps
        // the cache of the last text it read) evaluates only the new tokens.
        var cuts = options.EffectiveLengths;
        var cutMarked = new int[cuts.Count][][];
        var cutScores = new ScoredText[cuts.Count][];
        var cutPlainScores = new ScoredText[cuts.Count][];
        for (int c = 0; c < cuts.Count; c++)
        {
            cutMarked[c] = new int[n][];
            cutScores[c] = new ScoredText[n];
            cutPlainScores[c] = new ScoredText[n];
        }
        foreach (var (texts, scores, isMarked) in new[] { (marked, cutScores, true), (plain, cutPlainScores, false) })
            for (int i = 0; i < n; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                for (int c = 0; c < cuts.Count; c++)
                {
                    int[] cut = texts[i][..Math.Min(cuts[c], texts[i].Length)];
                    if (isMarked) cutMarked[c][i] = cut;
                    scores[c][i] = scorer.Score(cut);
                }
            }
        var lengths = new List<LengthSummary>();
        for (int c = 0; c < cuts.Count; c++)
            lengths.Add(new LengthSummary(cuts[c], Summarize(options, cutScores[c], cutPlainScores[c], cutMarked[c], sentOrNull, bits)));

        int capacity = 1;
        for (int i = 0; i < n; i++) capacity = Math.Max(capacity, prompts[i].Length + Math.Max(marked[i].Length, plain[i].Length));
        var perplexity = new SequencePerplexity(model.Model, Math.Min(capacity, model.Model.Config.ContextLength));
        double markedPpl = CorpusPerplexity(perplexity, prompts, marked, cancellationToken);
        double plainPpl = CorpusPerplexity(perplexity, prompts, plain, cancellationToken);
        progress?.Invoke("measured perplexity");

        double meanTokens = 0;
        foreach (var t in marked) meanTokens += t.Length;
        meanTokens /= n;
        return new WatermarkEvaluationReport(
            SchemeName(options.Watermark), n, options.Tokens, options.MaxFalsePositiveRate, options.Detection.ZThreshold,
            detection, robustness, lengths, bits, DetectionMetrics.BitsPerToken(bits, meanTokens),
            Rate(markedTokens, markedTime), Rate(plainTokens, plainTime), detectMs, markedPpl, plainPpl, clock.Elapsed);
    }

    /// <summary>"kgw", "synthid", "balance" or "vanilla".</summary>
    public static string SchemeName(WatermarkOptions options) => options switch
    {
        Kgw.KgwOptions => "kgw",
        Tournament.TournamentOptions => "synthid",
        CodableOptions { Scheme: CodableScheme.Vanilla } => "vanilla",
        CodableOptions => "balance",
        _ => options.GetType().Name,
    };

    /// <summary>Text i's message: a keyed function of the run's seed and i, <paramref name="bits"/> bits.</summary>
    public static ulong Message(ulong seed, int text, int bits) =>
        bits == 0 ? 0 : KeyedHash.Mix(KeyedHash.Mix(seed ^ 0x4D45535341474553UL) + (ulong)text) >> (64 - bits); // "MESSAGES"

    private static string Name(TokenAttack attack) => attack switch
    {
        TokenAttack.Substitution => "substitution",
        TokenAttack.Deletion => "deletion",
        _ => "insertion",
    };

    private static ulong AttackSeed(ulong seed, int attack, double rate, int text, int side) =>
        KeyedHash.Absorb(KeyedHash.Absorb(KeyedHash.Absorb(KeyedHash.Absorb(KeyedHash.Mix(seed), (ulong)attack),
            (ulong)Math.Round(rate * 1_000_000)), (ulong)text), (ulong)side);

    private static (int[] Ids, GenerationUsage Usage) Generate(SpindleModel model, int[] prompt, GenerationOptions options, CancellationToken cancellationToken)
    {
        var ids = new List<int>(options.MaxTokens);
        GenerationUsage? usage = null;
        foreach (var chunk in model.GenerateAsync(prompt, options, cancellationToken).ToBlockingEnumerable(cancellationToken))
        {
            if (chunk.TokenId >= 0) ids.Add(chunk.TokenId);
            usage = chunk.Usage ?? usage;
        }
        return ([.. ids], usage!);
    }

    private static SamplingOptions BanEndOfGeneration(SamplingOptions sampling, Vocabulary vocab)
    {
        var bias = new Dictionary<int, float>(sampling.LogitBias);
        foreach (int id in vocab.EndOfGenerationIds) bias[id] = float.NegativeInfinity;
        return sampling with { LogitBias = bias };
    }

    /// <summary>The ids an attack may put in a text: not control, unknown or unused, not end-of-generation.</summary>
    private static int[] OrdinaryTokens(Vocabulary vocab)
    {
        var ids = new List<int>(vocab.Count);
        for (int id = 0; id < vocab.Count; id++)
        {
            var a = vocab.Attributes[id];
            if ((a & (TokenAttributes.Control | TokenAttributes.Unknown | TokenAttributes.Unused)) != 0 || vocab.IsEndOfGeneration(id)) continue;
            ids.Add(id);
        }
        return [.. ids];
    }

    private static ScoredText[] ScoreAll(WatermarkScorer scorer, int[][] texts)
    {
        var scores = new ScoredText[texts.Length];
        for (int i = 0; i < texts.Length; i++) scores[i] = scorer.Score(texts[i]);
        return scores;
    }

    private static DetectionSummary Summarize(WatermarkEvaluationOptions options, ScoredText[] marked, ScoredText[] plain, int[][] markedTokens,
        ulong[]? sent, int bits)
    {
        var pos = new double[marked.Length];
        var neg = new double[plain.Length];
        double tokens = 0, scored = 0;
        int tpZ = 0, fpZ = 0;
        for (int i = 0; i < marked.Length; i++)
        {
            pos[i] = marked[i].Score;
            tokens += markedTokens[i].Length;
            scored += marked[i].ScoredTokens;
            if (marked[i].Verdict == WatermarkVerdict.Watermarked) tpZ++;
        }
        for (int i = 0; i < plain.Length; i++)
        {
            neg[i] = plain[i].Score;
            if (plain[i].Verdict == WatermarkVerdict.Watermarked) fpZ++;
        }
        double? bitAccuracy = null, messageAccuracy = null;
        if (sent is not null)
        {
            double bitSum = 0;
            int right = 0;
            for (int i = 0; i < marked.Length; i++)
            {
                bitSum += DetectionMetrics.BitAccuracy(sent[i], marked[i].Message, bits);
                if (marked[i].Message == sent[i]) right++;
            }
            bitAccuracy = bitSum / marked.Length;
            messageAccuracy = (double)right / marked.Length;
        }
        return new DetectionSummary(marked.Length, plain.Length, tokens / marked.Length, scored / marked.Length,
            DetectionMetrics.RocAuc(pos, neg), DetectionMetrics.AtFalsePositiveRate(pos, neg, options.MaxFalsePositiveRate),
            (double)tpZ / marked.Length, (double)fpZ / plain.Length, bitAccuracy, messageAccuracy);
    }

    /// <summary>exp(Σ NLL / Σ tokens) over all texts, each scored after its prompt.</summary>
    private static double CorpusPerplexity(SequencePerplexity scorer, int[][] prompts, int[][] texts, CancellationToken cancellationToken)
    {
        double nll = 0;
        long count = 0;
        for (int i = 0; i < texts.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int room = Math.Max(0, scorer.Capacity - prompts[i].Length);
            var text = texts[i].AsSpan(0, Math.Min(room, texts[i].Length));
            nll += scorer.NegativeLogLikelihood(prompts[i], text);
            count += text.Length;
        }
        return count == 0 ? double.NaN : Math.Exp(nll / count);
    }

    private static double Rate(long tokens, TimeSpan time) => time > TimeSpan.Zero ? tokens / time.TotalSeconds : 0;
}
