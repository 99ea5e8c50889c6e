using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Spindle.Models;
using Spindle.Tokenization;
using Spindle.Watermarking;
using Spindle.Watermarking.Codable;
using Spindle.Watermarking.Kgw;
using Spindle.Watermarking.Tournament;

namespace Spindle.Cli.Commands.Watermark;

/// <summary>
/// `spindle watermark detect [--model M] --key K [--scheme kgw|synthid|balance|vanilla] [--proxy M2] [scheme flags]
/// [--json] FILE`: reads the text of FILE (or stdin for '-'), tokenizes it with the model's tokenizer and runs the
/// scheme's detector (docs/watermarking.md). The model gives only its tokenizer, loaded without its weights, except for
/// Balance-Marking, whose decoder runs a proxy LM: --proxy M2, else the model itself.
/// <para>
/// The text is read as `spindle generate` writes a continuation: one trailing line end (the one `generate` adds after the
/// text) is dropped, and the rest is encoded as the continuation of a prompt (<see cref="Tokenizer.EncodeContinuation"/>:
/// no BOS, no SentencePiece space prefix), which gives back the generated ids wherever the model chose the tokenizer's
/// own split. Sampling sometimes picks another split of the same text, and those positions read differently, so a
/// re-tokenized text scores somewhat lower than its ids did.
/// </para>
/// <para>
/// The verdict is the answer, not an error: the exit code is 0 for watermarked, not watermarked and insufficient alike
/// (fewer than 16 scored tokens, e.g. an empty file), and nonzero only when detection could not run (a missing file or
/// key, flags that do not apply, a model that does not load).
/// </para>
/// </summary>
internal static class WatermarkDetectCommand
{
    /// <summary>The most characters read: a prompt's bound (<see cref="PromptSource.MaxChars"/>), far past any generated text.</summary>
    public const int MaxChars = PromptSource.MaxChars;

    public static Command Create(CliContext context)
    {
        var model = ModelCommandOptions.Model();
        var tokenizer = ModelCommandOptions.Tokenizer();
        var threads = ModelCommandOptions.Threads();
        var json = new Option<bool>("--json")
        {
            Description = "Print one JSON object {scheme, tokens_scored, green, z, p_value, watermarked, message?, message_confidence?, verdict}",
        };
        var flags = WatermarkFlags.ForDetection();
        var file = new Argument<string>("FILE") { Description = "The text to test, as `spindle generate` wrote it ('-': read stdin)" };

        var command = new Command("detect",
            "Detect a watermark in a text with its key: prints the statistic, p-value and verdict (exit code 0 whatever the verdict)");
        command.Arguments.Add(file);
        foreach (var o in new Option[] { model, tokenizer, threads, json }) command.Options.Add(o);
        foreach (var o in flags.All) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var selection = flags.Parse(parse)!;
            string text = ReadText(context, parse.GetValue(file)!);
            string modelPath = ModelPathResolver.Resolve(parse.GetValue(model));
            ModelFiles.CheckExists(modelPath);
            string? tokenizerPath = parse.GetValue(tokenizer);
            ModelCommandOptions.CheckTokenizerPath(tokenizerPath);
            int threadCount = parse.GetValue(threads);

            WatermarkReport report;
            if (selection.Scheme == WatermarkScheme.Balance)
            {
                // The decoder runs a proxy LM: the named one, else the model itself (weights loaded only here).
                using var own = selection.ProxyPath is null ? ModelCommandOptions.Load(modelPath, threadCount) : null;
                var (textTokenizer, vocabularySize) = own is null ? LoadTokenizer(modelPath, tokenizerPath) : (TokenizerFor(own, tokenizerPath), own.Config.VocabSize);
                using var named = flags.LoadProxy(selection, vocabularySize, pool: null, threadCount);
                var proxyModel = named ?? own!;
                int[] ids = Tokenize(textTokenizer, text, vocabularySize);
                int bos = textTokenizer.Vocabulary.BosId;
                // As generation builds it (WatermarkStages): the generating model's BOS when the proxy has that id.
                var proxy = new ModelProxyDistribution(proxyModel, bos >= 0 && bos < proxyModel.Config.VocabSize ? bos : null);
                report = Codable(selection, new CodableDecoder((CodableOptions)selection.Options, proxy).Decode(ids), ids.Length);
            }
            else
            {
                var (textTokenizer, vocabularySize) = LoadTokenizer(modelPath, tokenizerPath);
                int[] ids = Tokenize(textTokenizer, text, vocabularySize);
                report = selection.Options switch
                {
                    KgwOptions kgw => Kgw(kgw, new KgwDetector(kgw).Detect(ids), ids.Length),
                    TournamentOptions tournament => Tournament(tournament, new TournamentDetector(tournament).Detect(ids), ids.Length),
                    CodableOptions codable => Codable(selection, new CodableDecoder(codable).Decode(ids), ids.Length),
                    _ => throw new InvalidOperationException("unknown watermark options"),
                };
            }
            if (parse.GetValue(json)) WriteJson(context, report);
            else WriteTable(context, report);
            return 0;
        });
        return command;
    }

    /// <summary>What a detector found, in the shape both outputs print.</summary>
    /// <param name="Green">KGW: green tokens; synthid: g-values equal to 1 (of <paramref name="Trials"/> = tokens × layers); codable: favoured tokens under the decoded message.</param>
    /// <param name="Expected">The share of <paramref name="Green"/> in <paramref name="Trials"/> expected without the watermark.</param>
    private sealed record WatermarkReport(
        string Scheme, string Settings, int Tokens, int Scored, long Green, long Trials, double Expected, double Z, double PValue,
        WatermarkVerdict Verdict, string? Message = null, string? ExpectedMessage = null);

    private static WatermarkReport Kgw(KgwOptions options, KgwDetection d, int tokens) => new(
        "kgw", FormattableString.Invariant($"γ {options.Gamma}, context {options.ContextWidth}, {options.Seeding.ToString().ToLowerInvariant()}"),
        tokens, d.ScoredTokens, d.GreenTokens, d.ScoredTokens, options.Gamma, d.ZScore, d.PValue, d.Verdict);

    private static WatermarkReport Tournament(TournamentOptions options, TournamentDetection d, int tokens) => new(
        "synthid", FormattableString.Invariant($"{options.Layers} layers, context {options.ContextWidth}"),
        tokens, d.ScoredTokens, d.Ones, (long)d.ScoredTokens * d.Layers, 0.5, d.ZScore, d.PValue, d.Verdict);

    private static WatermarkReport Codable(WatermarkSelection selection, MessageDecoding d, int tokens)
    {
        long favoured = 0;
        foreach (var segment in d.Segments) favoured += segment.BestScore;
        // The favoured count against a fair coin per scored position, before the correction for the 2^b messages tried
        // (the p-value and the verdict include it).
        double z = d.ScoredTokens == 0 ? 0 : (favoured - 0.5 * d.ScoredTokens) / Math.Sqrt(0.25 * d.ScoredTokens);
        return new WatermarkReport(
            WatermarkFlags.Name(selection.Scheme), $"{d.MessageBits}-bit message", tokens, d.ScoredTokens, favoured, d.ScoredTokens, 0.5, z, d.PValue,
            d.Verdict, WatermarkFlags.Binary(d.Message, d.MessageBits),
            selection.ExpectedMessage is { } expected ? WatermarkFlags.Binary(expected, d.MessageBits) : null);
    }

    private static string ReadText(CliContext context, string path)
    {
        string text;
        if (path == "-") text = BoundedText.Read(context.In, "the text from stdin", MaxChars);
        else
        {
            if (!File.Exists(path) && !Directory.Exists(path)) throw new CliException($"file not found: {path}");
            text = BoundedText.ReadFile(path, "FILE", MaxChars);
        }
        // `spindle generate` ends its output with a line feed that is not part of the generated text.
        if (text.EndsWith("\r\n", StringComparison.Ordinal)) return text[..^2];
        return text.EndsWith('\n') ? text[..^1] : text;
    }

    /// <summary>The model's tokenizer (or --tokenizer's) without loading its weights, and the model's vocabulary size.</summary>
    private static (Tokenizer Tokenizer, int VocabularySize) LoadTokenizer(string modelPath, string? tokenizerPath)
    {
        using var file = ModelFiles.Open(modelPath);
        int? size = TokenizerFiles.VocabularySize(file);
        var tokenizer = tokenizerPath is null ? Tokenizer.FromGguf(file) : Tokenizer.FromFile(tokenizerPath, size);
        return (tokenizer, size ?? tokenizer.Vocabulary.Count);
    }

    private static Tokenizer TokenizerFor(Model model, string? tokenizerPath) =>
        tokenizerPath is null ? Tokenizer.FromGguf(model.File) : Tokenizer.FromFile(tokenizerPath, model.Config.VocabSize);

    /// <summary>The text's ids as a continuation; ids the model cannot have generated (none, from a sane tokenizer) are dropped.</summary>
    private static int[] Tokenize(Tokenizer tokenizer, string text, int vocabularySize)
    {
        int[] ids = tokenizer.EncodeContinuation(text);
        int kept = 0;
        foreach (int id in ids)
            if ((uint)id < (uint)vocabularySize) ids[kept++] = id;
        return kept == ids.Length ? ids : ids[..kept];
    }

    private static string VerdictName(WatermarkVerdict verdict) => verdict switch
    {
        WatermarkVerdict.Watermarked => "watermarked",
        WatermarkVerdict.NotWatermarked => "not_watermarked",
        _ => "insufficient",
    };

    private static void WriteJson(CliContext context, WatermarkReport r)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("scheme", r.Scheme);
            w.WriteNumber("tokens_scored", r.Scored);
            w.WriteNumber("green", r.Green);
            w.WriteNumber("z", r.Z);
            w.WriteNumber("p_value", r.PValue);
            w.WriteBoolean("watermarked", r.Verdict == WatermarkVerdict.Watermarked);
            if (r.Message is not null)
            {
                w.WriteString("message", r.Message);
                w.WriteNumber("message_confidence", 1 - r.PValue);
            }
            w.WriteString("verdict", VerdictName(r.Verdict));
            w.WriteEndObject();
        }
        context.Out.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static void WriteTable(CliContext context, WatermarkReport r)
    {
        var o = context.Out;
        var detection = DetectionOptions.Default;
        void Row(string label, string value) => o.WriteLine($"{label,-15}{value}");
        string Share(long count, long of) => of == 0 ? "-" : (100.0 * count / of).ToString("F1", CultureInfo.InvariantCulture) + "%";

        Row("scheme", $"{r.Scheme} ({r.Settings})");
        Row("tokens scored", $"{r.Scored} of {r.Tokens} (repeats are skipped)");
        if (r.Message is not null)
        {
            string confidence = r.PValue < 1e-6 ? "> 0.999999" : (1 - r.PValue).ToString("0.######", CultureInfo.InvariantCulture);
            Row("message", $"{r.Message} (confidence 1 − p: {confidence})");
            if (r.ExpectedMessage is not null) Row("expected", $"{r.ExpectedMessage}: {(r.ExpectedMessage == r.Message ? "matches" : "differs")}");
        }
        string label = r.Scheme switch { "kgw" => "green", "synthid" => "g-values = 1", _ => "favoured" };
        string expected = (100 * r.Expected).ToString("0.##", CultureInfo.InvariantCulture) + "%";
        Row(label, $"{r.Green} of {r.Trials} ({Share(r.Green, r.Trials)}; {expected} expected without the watermark)");
        Row("z", r.Z.ToString("F2", CultureInfo.InvariantCulture));
        Row("p-value", r.PValue.ToString("G3", CultureInfo.InvariantCulture));
        Row("verdict", r.Verdict switch
        {
            WatermarkVerdict.Watermarked => FormattableString.Invariant($"watermarked (p ≤ {detection.PValueThreshold:G3}, the normal tail at z {detection.ZThreshold})"),
            WatermarkVerdict.NotWatermarked => FormattableString.Invariant($"not watermarked (p > {detection.PValueThreshold:G3}: no evidence of this key's watermark)"),
            _ => $"insufficient (fewer than {detection.MinimumScoredTokens} scored tokens)",
        });
    }
}
