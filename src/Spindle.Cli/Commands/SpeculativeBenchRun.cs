using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Spindle.Generation;
using Spindle.Models.Benchmarking;
using Spindle.Sampling;

namespace Spindle.Cli.Commands;

/// <summary>
/// `spindle bench` with a drafter: greedy decode speed of the same prompt with and without speculation, alternating,
/// medians of the repetitions after a warm-up of each; prints acceptance figures and whether the outputs matched.
/// </summary>
internal static class SpeculativeBenchRun
{
    private const string DefaultText = "Once upon a time, there was a little girl named Lily. She";

    public static int Run(CliContext context, ParseResult parse, SpeculationFlags flags, Option<string?> model, Option<int> threads,
        Option<int> generate, Option<int> repetitions, Option<int> seed, Option<bool> json, string? text, string? textFile,
        string? warmupFile)
    {
        if (text is not null && textFile is not null) throw new CliException("choose --text or --text-file, not both");
        string prompt = textFile is not null ? File.ReadAllText(textFile) : text ?? DefaultText;
        int tokens = parse.GetValue(generate);
        if (tokens == 0) throw new CliException("-n 0 leaves nothing to measure");
        using var spindle = ModelCommandOptions.LoadSpindle(parse.GetValue(model), parse.GetValue(threads));
        var speculation = flags.Parse(parse, spindle.Model, out var draftModel)!;
        using var ownedDraft = draftModel;
        int[] promptTokens = spindle.EncodePrompt(prompt);
        if (promptTokens.Length == 0) throw new CliException("the prompt tokenized to no tokens");
        if (promptTokens.Length + tokens > spindle.ContextLength)
            throw new CliException($"{promptTokens.Length} prompt tokens + -n {tokens} exceed the context of {spindle.ContextLength}");
        var plain = new GenerationOptions
        {
            MaxTokens = tokens,
            Sampling = new SamplingOptions { Temperature = 0, Seed = (ulong)parse.GetValue(seed) },
            StopStrings = [],
        };
        var warmups = new List<IReadOnlyList<int>>();
        if (warmupFile is not null)
        {
            foreach (string line in File.ReadLines(warmupFile))
            {
                if (line.Trim().Length == 0) continue;
                int[] ids = spindle.EncodePrompt(line);
                if (ids.Length + tokens > spindle.ContextLength)
                    throw new CliException($"a --warmup-file line has {ids.Length} tokens; with -n {tokens} it exceeds the context of {spindle.ContextLength}");
                if (ids.Length > 0) warmups.Add(ids);
            }
        }
        var result = SpeculativeBenchmark.Run(spindle, promptTokens, plain, plain with { Speculation = speculation }, parse.GetValue(repetitions), warmups);
        string method = speculation.Method.ToString();
        if (parse.GetValue(json))
        {
            var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            {
                w.WriteStartObject();
                w.WriteString("model", ModelPathResolver.Resolve(parse.GetValue(model)));
                w.WriteString("speculation", method);
                w.WriteNumber("threads", spindle.Model.ThreadCount);
                w.WriteNumber("prompt_tokens", promptTokens.Length);
                w.WriteNumber("warmup_prompts", warmups.Count);
                w.WriteNumber("tg_tokens", result.Speculative.TokenCount);
                w.WriteNumber("repetitions", result.Speculative.TokensPerSecond.Count);
                w.WriteNumber("tg_tokens_per_s", Math.Round(result.Speculative.Median, 3));
                w.WriteNumber("baseline_tokens_per_s", Math.Round(result.Plain.Median, 3));
                w.WriteNumber("speedup", Math.Round(result.Speedup, 4));
                Samples(w, "tg_samples_tokens_per_s", result.Speculative.TokensPerSecond);
                Samples(w, "baseline_samples_tokens_per_s", result.Plain.TokensPerSecond);
                SpeculationJson.Write(w, result.Stats);
                if (result.OutputsIdentical is bool same) w.WriteBoolean("outputs_identical", same);
                w.WriteEndObject();
            }
            context.Out.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
        }
        else
        {
            var inv = CultureInfo.InvariantCulture;
            context.Out.WriteLine(string.Create(inv, $"greedy decode of {result.Speculative.TokenCount} tokens after a {promptTokens.Length}-token prompt, {spindle.Model.ThreadCount} threads, median of {result.Speculative.TokensPerSecond.Count} alternating runs"));
            if (warmups.Count > 0) context.Out.WriteLine($"each speculative run first decoded {warmups.Count} other prompts (untimed)");
            context.Out.WriteLine(string.Create(inv, $"target only:  {result.Plain.Median,10:F2} t/s"));
            context.Out.WriteLine(string.Create(inv, $"{method,-12}: {result.Speculative.Median,10:F2} t/s   speed-up {result.Speedup:F2}×"));
            context.Out.WriteLine(SpeculationFlags.Summary(result.Stats));
            if (result.OutputsIdentical is bool same) context.Out.WriteLine(same ? "outputs: identical" : "outputs: DIFFERENT (a bug: greedy speculation must be lossless)");
        }
        return result.OutputsIdentical == false ? 1 : 0;
    }

    private static void Samples(Utf8JsonWriter w, string name, IReadOnlyList<double> values)
    {
        w.WriteStartArray(name);
        foreach (double v in values) w.WriteNumberValue(Math.Round(v, 3));
        w.WriteEndArray();
    }
}
