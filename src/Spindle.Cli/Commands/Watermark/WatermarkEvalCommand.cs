using System.CommandLine;
using Spindle.Cli.Options;
using Spindle.Watermarking.Evaluation;

namespace Spindle.Cli.Commands.Watermark;

/// <summary>
/// `spindle watermark eval`: N watermarked and N unwatermarked generations of n tokens from the same prompts and seeds
/// (<see cref="WatermarkEvaluator"/>), reported as the Balance-Marking paper's five measurements — success, robustness,
/// coding rate, efficiency, quality — as Markdown tables (or one JSON object with --json). Progress goes to stderr.
/// </summary>
internal static class WatermarkEvalCommand
{
    public static Command Create(CliContext context)
    {
        var model = ModelCommandOptions.Model();
        var threads = ModelCommandOptions.Threads();
        var scheme = new EvalSchemeFlags();
        var texts = NumericOption.Int("--texts", "N: texts generated with the watermark, and as many without", NumericRange.Integers(2, 100_000), 200, "-N");
        var tokens = NumericOption.Int("--n-predict", "n: tokens per text", NumericRange.Integers(1, 65_536), 200, "-n");
        var prompts = new Option<string?>("--prompts") { Description = "UTF-8 file of prompts, one per non-empty line, cycled (default: eight built-in story openings)" };
        var temperature = NumericOption.Float("--temp", "Sampling temperature (no top-k/p or min-p: the whole distribution)", NumericRange.RealsAbove(0, 100), 1f);
        var seed = NumericOption.UInt64("--seed", "Text i is sampled with seed S + i, watermarked or not", 1, "-s");
        var allowEos = new Option<bool>("--allow-eos") { Description = "Let texts end at the model's end-of-generation token (default: it is banned, so every text has n tokens)" };
        var fpr = NumericOption.Double("--fpr", "False-positive rate of the empirical threshold", NumericRange.Reals(0, 0.5m), 0.01);
        var json = new Option<bool>("--json") { Description = "Print the report as one JSON object" };

        var command = new Command("eval", "Measure a watermark: detection, robustness to edits, coding rate, speed and perplexity over N texts with and N without it");
        foreach (var o in new Option[] { model, threads }) command.Options.Add(o);
        foreach (var o in scheme.All) command.Options.Add(o);
        foreach (var o in new Option[] { texts, tokens, prompts, temperature, seed, allowEos, fpr, json }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var promptList = ReadPrompts(context, parse.GetValue(prompts));
            Models.Model? proxy = null;
            var watermark = scheme.Parse(parse, path => proxy = ModelCommandOptions.Load(path, parse.GetValue(threads)));
            using var ownedProxy = proxy;
            try
            {
                watermark.Validate();
            }
            catch (ArgumentOutOfRangeException ex)
            {
                throw new CliException($"{FlagOf(ex.ParamName)}: {ex.Message.Split(" (Parameter")[0]}");
            }
            string modelPath = ModelPathResolver.Resolve(parse.GetValue(model));
            using var loaded = ModelCommandOptions.LoadSpindle(modelPath, parse.GetValue(threads));
            if (proxy is not null && proxy.Config.VocabSize != loaded.Model.Config.VocabSize)
                throw new CliException($"--proxy: the proxy model has {proxy.Config.VocabSize} tokens, the model {loaded.Model.Config.VocabSize}; they must share a vocabulary");
            var options = new WatermarkEvaluationOptions
            {
                Watermark = watermark,
                Texts = parse.GetValue(texts),
                Tokens = parse.GetValue(tokens),
                Prompts = promptList ?? WatermarkEvaluationOptions.DefaultPrompts,
                Seed = parse.GetValue(seed),
                Sampling = WatermarkEvaluationOptions.PureSampling with { Temperature = parse.GetValue(temperature) },
                AllowEndOfGeneration = parse.GetValue(allowEos),
                MaxFalsePositiveRate = parse.GetValue(fpr),
            };
            int longestPrompt = 0;
            foreach (string p in options.Prompts) longestPrompt = Math.Max(longestPrompt, loaded.EncodePrompt(p).Length);
            if (longestPrompt + options.Tokens > loaded.ContextLength)
                throw new CliException($"-n {options.Tokens} after a prompt of {longestPrompt} tokens does not fit this model's context of {loaded.ContextLength}");
            context.Error.WriteLine(TerminalText.Escape($"watermark eval: {EvalSchemeFlags.Describe(watermark)}, {Path.GetFileName(modelPath)}, {options.Texts} + {options.Texts} texts of {options.Tokens} tokens"));
            var report = WatermarkEvaluator.Run(loaded, options, line => context.Error.WriteLine("watermark eval: " + line));
            var settings = new WatermarkEvalSettings(EvalSchemeFlags.Describe(watermark), Path.GetFileName(modelPath), options.Sampling.Temperature, options.Seed,
                options.AllowEndOfGeneration, parse.GetValue(threads));
            if (parse.GetValue(json)) WatermarkEvalOutput.WriteJson(context.Out, report, settings);
            else WatermarkEvalOutput.WriteTables(context.Out, report, settings);
            return 0;
        });
        return command;
    }

    private static string FlagOf(string? property) => property switch
    {
        "Gamma" => "--watermark-gamma",
        "Delta" => "--watermark-delta",
        "MessageBits" => "--watermark-bits",
        "ContextWidth" => "--watermark-context",
        "Layers" => "--watermark-layers",
        _ => "--scheme",
    };

    private static List<string>? ReadPrompts(CliContext context, string? path)
    {
        if (path is null) return null;
        if (!File.Exists(path)) throw new FileNotFoundException($"prompts file not found: {path}", path);
        var list = new List<string>();
        foreach (string line in File.ReadLines(path))
            if (!string.IsNullOrWhiteSpace(line)) list.Add(line.TrimEnd('\r'));
        if (list.Count == 0) throw new CliException($"--prompts: {path} holds no prompt");
        return list;
    }
}
