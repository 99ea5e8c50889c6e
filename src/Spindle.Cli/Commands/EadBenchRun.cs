using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Spindle.Decoding.EntropyAdaptive;
using Spindle.Generation;
using Spindle.Sampling;

namespace Spindle.Cli.Commands;

/// <summary>
/// `spindle bench --ead-small M2`: entropy-adaptive decoding (lossy) against large-only greedy decoding of the same
/// prompt, alternating, fastest of the repetitions each: large-model share, parameter-weighted and measured cost,
/// agreement with the large-only output, and the perplexity of both outputs under the large model.
/// </summary>
internal static class EadBenchRun
{
    public static int Run(CliContext context, ParseResult parse, EadFlags flags, Option<string?> model, Option<int> threads,
        Option<int> generate, Option<int> repetitions, Option<bool> json, string? text, string? textFile)
    {
        if (text is not null && textFile is not null) throw new CliException("choose --text or --text-file, not both");
        string prompt = textFile is not null ? File.ReadAllText(textFile) : text ?? "Once upon a time, there was a little girl named Lily. She";
        int tokens = parse.GetValue(generate);
        if (tokens == 0) throw new CliException("-n 0 leaves nothing to measure");
        using var large = ModelCommandOptions.LoadSpindle(parse.GetValue(model), parse.GetValue(threads));
        var selection = flags.Load(parse, large)!;
        using var small = selection.Small;
        int[] promptTokens = large.EncodePrompt(prompt);
        var greedy = new GenerationOptions { MaxTokens = tokens, Sampling = new SamplingOptions { Temperature = 0 } };
        var point = EntropyAdaptiveComparison.Curve(small, large, [promptTokens], [selection.Options], greedy, parse.GetValue(repetitions))[0];
        var inv = CultureInfo.InvariantCulture;
        if (parse.GetValue(json))
        {
            var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            {
                w.WriteStartObject();
                w.WriteString("model", ModelPathResolver.Resolve(parse.GetValue(model)));
                w.WriteString("decoding", "entropy_adaptive (lossy)");
                w.WriteNumber("ead_up", selection.Options.TauUp);
                w.WriteNumber("ead_down", selection.Options.TauDown);
                w.WriteNumber("ead_window", selection.Options.Window);
                w.WriteNumber("tg_tokens", point.GeneratedTokens);
                w.WriteNumber("large_share", Math.Round(point.LargeShare, 4));
                w.WriteNumber("switches", point.Switches);
                w.WriteNumber("parameter_weighted_cost", Math.Round(point.ParameterWeightedCost, 4));
                w.WriteNumber("generation_parameter_cost", Math.Round(point.GenerationParameterCost, 4));
                w.WriteNumber("time_ratio", Math.Round(point.TimeRatio, 4));
                w.WriteNumber("token_agreement", Math.Round(point.Agreement, 4));
                w.WriteNumber("common_prefix", Math.Round(point.MeanCommonPrefix, 2));
                w.WriteNumber("perplexity_under_large", Math.Round(point.Perplexity, 4));
                w.WriteNumber("large_only_perplexity", Math.Round(point.ReferencePerplexity, 4));
                w.WriteEndObject();
            }
            context.Out.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
            return 0;
        }
        context.Out.WriteLine(string.Create(inv, $"entropy-adaptive decoding (lossy), τ_up {selection.Options.TauUp}, τ_down {selection.Options.TauDown}, window {selection.Options.Window}; greedy, {point.GeneratedTokens} tokens"));
        context.Out.WriteLine(string.Create(inv, $"large-model share {point.LargeShare:P1}, {point.Switches} switches"));
        context.Out.WriteLine(string.Create(inv, $"cost vs large-only: {point.ParameterWeightedCost:F3} parameter-weighted, {point.TimeRatio:F3} measured time"));
        context.Out.WriteLine(string.Create(inv, $"agreement with large-only: {point.Agreement:P1} of tokens, common prefix {point.MeanCommonPrefix:F0}"));
        context.Out.WriteLine(string.Create(inv, $"perplexity under the large model: {point.Perplexity:F3} (large-only output {point.ReferencePerplexity:F3})"));
        return 0;
    }
}
