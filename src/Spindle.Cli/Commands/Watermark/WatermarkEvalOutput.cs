using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Spindle.Watermarking.Evaluation;

namespace Spindle.Cli.Commands.Watermark;

/// <summary>How a `watermark eval` run was set up, for the report's header.</summary>
internal sealed record WatermarkEvalSettings(string Scheme, string Model, float Temperature, ulong Seed, bool AllowEndOfGeneration, int Threads);

/// <summary>
/// `watermark eval`'s report: Markdown tables (so a run pastes into docs as is) or one JSON object. Scores are
/// −log₁₀ p of each detector's p-value; thresholds are shown as that p-value.
/// </summary>
internal static class WatermarkEvalOutput
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void WriteTables(TextWriter o, WatermarkEvaluationReport r, WatermarkEvalSettings s)
    {
        bool codable = r.MessageBits > 0;
        string fpr = Percent(r.MaxFalsePositiveRate, 0);
        o.WriteLine(Invariant($"# watermark eval: {s.Scheme}"));
        o.WriteLine();
        o.WriteLine(Invariant($"{s.Model}, {r.Texts} watermarked + {r.Texts} unwatermarked texts of {r.Tokens} tokens (mean {r.Detection.MeanTokens:F1}), temperature {s.Temperature}, seeds {s.Seed}..{s.Seed + (ulong)r.Texts - 1}, {s.Threads} thread(s), end of generation {(s.AllowEndOfGeneration ? "allowed" : "banned")}; {r.Elapsed.TotalSeconds:F0} s."));
        o.WriteLine(Invariant($"TPR @ FPR ≤ {fpr}: threshold = the unwatermarked texts' empirical quantile after the same edit (FPR column: as measured); TPR @ z {r.ZThreshold:G}: the detector's own verdict (p ≤ {Watermarking.WatermarkStatistics.NormalUpperTail(r.ZThreshold):G3})."));
        o.WriteLine();
        o.WriteLine("## 1. Success");
        o.WriteLine();
        Header(o, "texts", codable, fpr, r.ZThreshold);
        Row(o, "all", r.Detection, codable);
        o.WriteLine();
        o.WriteLine("## 2. Robustness");
        o.WriteLine();
        Header(o, "attack", codable, fpr, r.ZThreshold);
        foreach (var a in r.Robustness)
            Row(o, a.Attack == "word" && a.Rate == 0 ? "re-tokenized" : Invariant($"{a.Attack} {Percent(a.Rate, 0)}"), a.Detection, codable);
        o.WriteLine();
        o.WriteLine("## 3. Coding rate");
        o.WriteLine();
        o.WriteLine(codable
            ? Invariant($"{r.MessageBits} bits per text: {r.BitsPerToken:F4} bits per token at {r.Tokens} tokens. Texts cut to their first n tokens:")
            : Invariant($"One bit per text (watermarked or not). Texts cut to their first n tokens:"));
        o.WriteLine();
        Header(o, "cut to", codable, fpr, r.ZThreshold);
        foreach (var l in r.Lengths)
            Row(o, Invariant($"{l.Tokens} ({DetectionMetrics.BitsPerToken(Math.Max(1, r.MessageBits), l.Tokens):F3} bits/token)"), l.Detection, codable);
        o.WriteLine();
        o.WriteLine("## 4. Efficiency");
        o.WriteLine();
        o.WriteLine("| generation | tokens/s |");
        o.WriteLine("|---|---|");
        o.WriteLine(Invariant($"| with watermark | {r.WatermarkedTokensPerSecond:F0} |"));
        o.WriteLine(Invariant($"| without | {r.PlainTokensPerSecond:F0} |"));
        o.WriteLine();
        o.WriteLine(Invariant($"Overhead {r.OverheadPercent:+0.0;-0.0}% per generated token (decode steps only, the two alternating in one run); detection {r.DetectionMillisecondsPerText:F2} ms per text."));
        o.WriteLine();
        o.WriteLine("## 5. Quality");
        o.WriteLine();
        o.WriteLine("| text | perplexity |");
        o.WriteLine("|---|---|");
        o.WriteLine(Invariant($"| with watermark | {r.PerplexityWatermarked:F3} |"));
        o.WriteLine(Invariant($"| without | {r.PerplexityPlain:F3} |"));
        o.WriteLine();
        o.WriteLine("(the generating model's perplexity of the generated tokens after their prompt, over all texts)");
    }

    private static void Header(TextWriter o, string first, bool codable, string fpr, double z)
    {
        o.WriteLine(Invariant($"| {first} | tokens | scored | AUC | TPR @ FPR ≤ {fpr} | FPR | threshold p | TPR @ z {z:G} | FPR @ z {z:G} |{(codable ? " bit acc. | message acc. |" : "")}"));
        o.WriteLine("|---|---|---|---|---|---|---|---|---|" + (codable ? "---|---|" : ""));
    }

    private static void Row(TextWriter o, string first, DetectionSummary d, bool codable)
    {
        var sb = new StringBuilder();
        sb.Append(Invariant($"| {first} | {d.MeanTokens:F1} | {d.MeanScoredTokens:F1} | {d.Auc:F4} | {Percent(d.AtTargetRate.TruePositiveRate, 1)} | {Percent(d.AtTargetRate.FalsePositiveRate, 1)} | {ThresholdP(d.AtTargetRate.Threshold)} | "));
        sb.Append(Invariant($"{Percent(d.TruePositiveRateAtZ, 1)} | {Percent(d.FalsePositiveRateAtZ, 1)} |"));
        if (codable) sb.Append(Invariant($" {Percent(d.BitAccuracy ?? 0, 1)} | {Percent(d.MessageAccuracy ?? 0, 1)} |"));
        o.WriteLine(sb.ToString());
    }

    /// <summary>The p-value a −log₁₀ p threshold stands for.</summary>
    private static string ThresholdP(double score) =>
        double.IsNegativeInfinity(score) ? "any" : double.IsPositiveInfinity(score) ? "0" : Math.Pow(10, -score).ToString("G3", Inv);

    private static string Percent(double share, int decimals) => (share * 100).ToString("F" + decimals, Inv) + "%";

    private static string Invariant(FormattableString s) => s.ToString(Inv);

    public static void WriteJson(TextWriter o, WatermarkEvaluationReport r, WatermarkEvalSettings s)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("scheme", r.Scheme);
            w.WriteString("settings", s.Scheme);
            w.WriteString("model", s.Model);
            w.WriteNumber("texts", r.Texts);
            w.WriteNumber("tokens", r.Tokens);
            w.WriteNumber("temperature", s.Temperature);
            w.WriteNumber("seed", s.Seed);
            w.WriteBoolean("allow_eos", s.AllowEndOfGeneration);
            w.WriteNumber("threads", s.Threads);
            w.WriteNumber("max_fpr", r.MaxFalsePositiveRate);
            w.WriteNumber("z_threshold", r.ZThreshold);
            w.WriteNumber("elapsed_s", Math.Round(r.Elapsed.TotalSeconds, 3));
            w.WritePropertyName("success");
            Detection(w, r.Detection);
            w.WriteStartArray("robustness");
            foreach (var a in r.Robustness)
            {
                w.WriteStartObject();
                w.WriteString("attack", a.Attack);
                w.WriteNumber("rate", a.Rate);
                w.WritePropertyName("detection");
                Detection(w, a.Detection);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("coding");
            w.WriteNumber("message_bits", r.MessageBits);
            w.WriteNumber("bits_per_token", Math.Round(r.BitsPerToken, 6));
            w.WriteStartArray("lengths");
            foreach (var l in r.Lengths)
            {
                w.WriteStartObject();
                w.WriteNumber("tokens", l.Tokens);
                w.WritePropertyName("detection");
                Detection(w, l.Detection);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartObject("efficiency");
            w.WriteNumber("watermarked_tokens_per_s", Math.Round(r.WatermarkedTokensPerSecond, 1));
            w.WriteNumber("plain_tokens_per_s", Math.Round(r.PlainTokensPerSecond, 1));
            w.WriteNumber("overhead_percent", Math.Round(r.OverheadPercent, 2));
            w.WriteNumber("detection_ms_per_text", Math.Round(r.DetectionMillisecondsPerText, 3));
            w.WriteEndObject();
            w.WriteStartObject("quality");
            w.WriteNumber("perplexity_watermarked", Math.Round(r.PerplexityWatermarked, 4));
            w.WriteNumber("perplexity_plain", Math.Round(r.PerplexityPlain, 4));
            w.WriteEndObject();
            w.WriteEndObject();
        }
        o.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static void Detection(Utf8JsonWriter w, DetectionSummary d)
    {
        w.WriteStartObject();
        w.WriteNumber("positives", d.Positives);
        w.WriteNumber("negatives", d.Negatives);
        w.WriteNumber("mean_tokens", Math.Round(d.MeanTokens, 2));
        w.WriteNumber("mean_scored_tokens", Math.Round(d.MeanScoredTokens, 2));
        w.WriteNumber("auc", Math.Round(d.Auc, 6));
        // The threshold as a p-value (−log₁₀ p scores): JSON has no infinities.
        double threshold = d.AtTargetRate.Threshold;
        w.WriteNumber("threshold_p", double.IsNegativeInfinity(threshold) ? 1 : double.IsPositiveInfinity(threshold) ? 0 : Math.Pow(10, -threshold));
        w.WriteNumber("tpr_at_fpr", d.AtTargetRate.TruePositiveRate);
        w.WriteNumber("fpr", d.AtTargetRate.FalsePositiveRate);
        w.WriteNumber("tpr_at_z", d.TruePositiveRateAtZ);
        w.WriteNumber("fpr_at_z", d.FalsePositiveRateAtZ);
        if (d.BitAccuracy is { } bit) w.WriteNumber("bit_accuracy", bit);
        else w.WriteNull("bit_accuracy");
        if (d.MessageAccuracy is { } message) w.WriteNumber("message_accuracy", message);
        else w.WriteNull("message_accuracy");
        w.WriteEndObject();
    }
}
