using Spindle.Generation;
using Spindle.Models;
using Spindle.Tests.Generation;
using Spindle.Watermarking;
using Spindle.Watermarking.Codable;
using Spindle.Watermarking.Evaluation;
using Spindle.Watermarking.Kgw;

namespace Spindle.Tests.Watermarking.Evaluation;

/// <summary>The evaluator end to end on stories260K with few short texts: the report's shape, and that it separates.</summary>
public sealed class WatermarkEvaluatorTests(ITestOutputHelper output)
{
    private static readonly WatermarkKey Key = WatermarkKey.FromString("evaluation tests");

    [Fact]
    public void KgwReportHasEveryRowAndSeparatesBetterThanChance()
    {
        using var model = GenerationTestModels.Load(GenerationTestModels.Stories260K);
        var kgw = new KgwOptions { Key = Key };
        var options = new WatermarkEvaluationOptions { Watermark = kgw, Texts = 8, Tokens = 40 };
        var report = WatermarkEvaluator.Run(model, options);

        Assert.Equal("kgw", report.Scheme);
        Assert.Equal(8, report.Texts);
        Assert.Equal(40.0, report.Detection.MeanTokens); // end of generation banned: every text is n tokens
        Assert.Equal(11, report.Robustness.Count);        // 3 attacks × 3 rates, re-tokenized, words 20%
        Assert.Equal(["substitution", "substitution", "substitution", "deletion", "deletion", "deletion", "insertion", "insertion", "insertion", "word", "word"],
            report.Robustness.Select(r => r.Attack));
        Assert.Equal([10, 20, 30, 40], report.Lengths.Select(l => l.Tokens));
        Assert.Equal(32.0, report.Robustness[4].Detection.MeanTokens); // 20% of 40 deleted
        Assert.Equal(52.0, report.Robustness[8].Detection.MeanTokens); // 30% of 40 inserted
        Assert.Null(report.Detection.BitAccuracy);
        Assert.Equal(0, report.MessageBits);
        Assert.True(report.WatermarkedTokensPerSecond > 0 && report.PlainTokensPerSecond > 0);
        Assert.True(report.PerplexityWatermarked > 1 && report.PerplexityPlain > 1);
        Assert.True(report.PerplexityWatermarked > report.PerplexityPlain, "δ = 2 moves the text away from the model's choices");
        foreach (var d in report.Robustness.Select(r => r.Detection).Append(report.Detection))
        {
            Assert.InRange(d.Auc, 0, 1);
            Assert.True(d.AtTargetRate.FalsePositiveRate <= 0.01 + 1e-12); // measured, and kept
        }

        // The same scores for two sets of unwatermarked texts (other seeds) separate no better than chance.
        var scorer = new WatermarkScorer(kgw, model.Model, model.Vocabulary.BosId);
        double[] a = PlainScores(model, scorer, 100), b = PlainScores(model, scorer, 200);
        double nullAuc = DetectionMetrics.RocAuc(a, b);
        output.WriteLine($"AUC watermarked vs not {report.Detection.Auc:F4}; unwatermarked vs unwatermarked {nullAuc:F4}; TPR@1% {report.Detection.AtTargetRate.TruePositiveRate}");
        Assert.True(report.Detection.Auc > 0.9, $"AUC {report.Detection.Auc}");
        Assert.True(report.Detection.Auc > nullAuc);
    }

    [Fact]
    public void CodableReportCarriesMessageAccuracy()
    {
        using var model = GenerationTestModels.Load(GenerationTestModels.Stories260K);
        var options = new WatermarkEvaluationOptions
        {
            Watermark = new CodableOptions { Key = Key, MessageBits = 4 }, Texts = 4, Tokens = 40, AttackRates = [0.1], WordAttackRates = [],
            Lengths = [20, 40, 80],
        };
        var report = WatermarkEvaluator.Run(model, options);
        Assert.Equal("balance", report.Scheme);
        Assert.Equal(4, report.MessageBits);
        Assert.Equal(0.1, report.BitsPerToken, 12);
        Assert.Equal(3, report.Robustness.Count);
        Assert.Equal([20, 40], report.Lengths.Select(l => l.Tokens));
        Assert.NotNull(report.Detection.BitAccuracy);
        Assert.NotNull(report.Detection.MessageAccuracy);
        output.WriteLine($"bit accuracy {report.Detection.BitAccuracy}, message accuracy {report.Detection.MessageAccuracy}, AUC {report.Detection.Auc}");
        Assert.True(report.Detection.BitAccuracy >= 0.75, $"bit accuracy {report.Detection.BitAccuracy}");
        // Each text has its own message.
        Assert.True(Enumerable.Range(0, 8).Select(i => WatermarkEvaluator.Message(1, i, 4)).Distinct().Count() > 2);
        Assert.All(Enumerable.Range(0, 8), i => Assert.True(WatermarkEvaluator.Message(1, i, 4) < 16));
    }

    [Fact]
    public void SequencePerplexityMatchesTokenByTokenDecoding()
    {
        using var model = GenerationTestModels.Load(GenerationTestModels.Stories260K);
        int[] context = model.EncodePrompt("Once upon a time");
        int[] continuation = WatermarkTestGeneration.Generate(model, "Once upon a time", 3, 30, null);
        double nll = new SequencePerplexity(model.Model).NegativeLogLikelihood(context, continuation);

        var session = new InferenceSession(model.Model);
        var logprobs = new RawLogprobs(model.Model.Config.VocabSize);
        double expected = 0;
        var logits = session.Prefill(context).ToArray();
        foreach (int t in continuation)
        {
            logprobs.Compute(logits);
            expected -= logprobs.Of(logits, t);
            logits = session.Decode(t).ToArray();
        }
        Assert.Equal(expected, nll, 1e-3 * continuation.Length);
        Assert.Throws<ArgumentException>(() => new SequencePerplexity(model.Model).NegativeLogLikelihood([], continuation));
    }

    private static double[] PlainScores(SpindleModel model, WatermarkScorer scorer, ulong seed)
    {
        var scores = new double[8];
        for (int i = 0; i < 8; i++)
            scores[i] = scorer.Score(WatermarkTestGeneration.Generate(model, WatermarkTestGeneration.Prompts[i], seed + (ulong)i, 40, null)).Score;
        return scores;
    }
}
