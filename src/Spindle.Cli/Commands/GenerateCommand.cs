using System.CommandLine;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Spindle.Chat;
using Spindle.Cli.Options;
using Spindle.Generation;

namespace Spindle.Cli.Commands;

/// <summary>
/// `spindle generate`: continues a prompt (-p TEXT, -f FILE, or stdin), streaming the generated text (not the prompt) to
/// stdout as it is produced and a tokens/s summary to stderr; --json prints one object with the text, each token with its
/// raw logprob, and the stats. --system (or --chat) renders the prompt as a conversation with the chat template.
/// The text goes to a pipe or file exactly as generated; on a terminal its control characters other than line feeds
/// and tabs are shown escaped (<see cref="CliContext.WriteGenerated"/>), so a model cannot drive the terminal.
/// Sampling defaults are llama.cpp's (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05); --temp 0 is greedy.
/// Ctrl-C stops generation between tokens (or prefill micro-batches); what was generated stays printed; a second Ctrl-C
/// ends the process. --beams / --contrastive-alpha replace
/// sampling by beam (or diverse beam) search or contrastive search; contrastive search streams, beam search prints its text when the search ends.
/// --regex / --grammar / --choice / --json-schema constrain the output to a regex, a GBNF file, a list of strings or a
/// JSON Schema; a constrained output ends (end_of_generation) as soon as it is complete and nothing more may follow.
/// --asap N samples grammar-aligned (ASAp) after learning from N unprinted samples. --watermark kgw|synthid|balance|vanilla
/// with --watermark-key embeds a watermark (<see cref="WatermarkFlags"/>) that `spindle watermark detect` finds again.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create(CliContext context)
    {
        var model = ModelCommandOptions.Model();
        var prompt = new Option<string?>("--prompt", "-p") { Description = "Text to continue ('-': read it from stdin; without -p or -f a piped stdin is the prompt)" };
        var file = new Option<string?>("--file", "-f") { Description = "Read the prompt from this file (UTF-8)" };
        var system = new Option<string?>("--system", "-sys") { Description = "System prompt: the prompt becomes a conversation (system, user) rendered with the model's chat template" };
        var chat = new Option<bool>("--chat") { Description = "Render the prompt as a user message with the model's chat template (implied by --system)" };
        var templateFile = ChatTemplateFile.Create();
        var maxTokens = NumericOption.Int("--n-predict", "Most tokens to generate (−1: until end of generation or a full context)",
            NumericRange.Integers(0, ModelCommandOptions.MaxContextLength, -1), -1, "-n");
        var stop = new Option<string[]>("--stop") { Description = "Stop before this string (repeatable); it is not printed", AllowMultipleArgumentsPerToken = false };
        var threads = ModelCommandOptions.Threads();
        var context_ = ModelCommandOptions.ContextSize();
        var tokenizer = ModelCommandOptions.Tokenizer();
        var cacheTypes = new CacheTypeOptions();
        var json = new Option<bool>("--json") { Description = "Print one JSON object {text, tokens:[{id, text, logprob}], stats} instead of streaming" };
        var sampling = new SamplingFlags();
        var search = new SearchFlags();
        var constraint = new ConstraintFlags();
        var speculation = new SpeculationFlags();
        var ead = new EadFlags();
        var watermark = WatermarkFlags.ForGeneration();
        var asap = NumericOption.Int("--asap", "Grammar-aligned sampling (ASAp) for the constraint: first draw this many samples (not printed) to learn from; exact alignment at --temp 1 --top-k 0 --top-p 1 --min-p 0",
            NumericRange.Integers(0, 100_000), 0);

        var command = new Command("generate", "Generate a continuation of a prompt (default model: $SPINDLE_MODEL, else the built-in tinystories-656K in models/)");
        foreach (var o in new Option[] { model, prompt, file, system, chat, templateFile, maxTokens, stop, threads, context_, json }) command.Options.Add(o);
        foreach (var o in sampling.All) command.Options.Add(o);
        foreach (var o in search.All) command.Options.Add(o);
        foreach (var o in constraint.All) command.Options.Add(o);
        foreach (var o in speculation.All) command.Options.Add(o);
        foreach (var o in ead.All) command.Options.Add(o);
        foreach (var o in watermark.All) command.Options.Add(o);
        command.Options.Add(asap);
        command.Options.Add(tokenizer);
        foreach (var o in cacheTypes.All) command.Options.Add(o);
        command.SetAction(parse =>
        {
            int n = parse.GetValue(maxTokens);
            string[] stops = parse.GetValue(stop) ?? [];
            foreach (string s in stops)
                if (s.Length == 0) throw new CliException("--stop: an empty stop string would stop before the first token");
            var options = new GenerationOptions
            {
                MaxTokens = n < 0 ? int.MaxValue : n,
                Sampling = sampling.Parse(parse),
                StopStrings = stops,
                Beam = search.Beam(parse),
                Contrastive = search.Contrastive(parse),
                Constraint = constraint.Parse(parse),
            };
            var watermarkSelection = watermark.Parse(parse);
            if (watermarkSelection is not null) options = options with { Watermark = watermarkSelection.Options };
            WatermarkFlags.Check(options, context.Error);
            int warmups = parse.GetValue(asap);
            if (warmups > 0)
            {
                if (options.Constraint is null) throw new CliException("--asap needs --regex, --grammar, --choice or --json-schema");
                if (options.Beam is not null || options.Contrastive is not null)
                    throw new CliException("--asap reweights sampling; it does not apply to --beams or --contrastive-alpha");
            }
            string? systemText = parse.GetValue(system);
            bool templated = systemText is not null || parse.GetValue(chat);
            string? template = ChatTemplateFile.Read(parse.GetValue(templateFile));
            if (template is not null && !templated) throw new CliException("--chat-template-file applies with --system or --chat");
            string text = PromptSource.Read(context, parse.GetValue(prompt), parse.GetValue(file));

            using var spindle = ModelCommandOptions.LoadSpindle(parse.GetValue(model), parse.GetValue(threads), parse.GetValue(context_), template, parse.GetValue(tokenizer), cacheTypes.Parse(parse));
            if (options.Constraint is { } spec) ConstraintFlags.Validate(spindle, spec);
            using var proxyModel = watermarkSelection is null ? null
                : watermark.LoadProxy(watermarkSelection, spindle.Model.Config.VocabSize, spindle.Model.WorkerPool, parse.GetValue(threads));
            if (proxyModel is not null) options = options with { Watermark = ((Watermarking.Codable.CodableOptions)options.Watermark!) with { ProxyModel = proxyModel } };
            if (speculation.Requested(parse))
            {
                if (options.Beam is not null || options.Contrastive is not null)
                    throw new CliException("speculative decoding samples; it does not combine with --beams or --contrastive-alpha");
                if (warmups > 0) throw new CliException("--asap does not combine with speculative decoding");
            }
            var speculative = speculation.Parse(parse, spindle.Model, out var draftModel);
            using var ownedDraft = draftModel;
            if (speculative is not null) options = options with { Speculation = speculative };
            int[] promptTokens = templated
                ? spindle.EncodeChat(systemText is null ? [ChatMessage.User(text)] : [ChatMessage.System(systemText), ChatMessage.User(text)])
                : spindle.EncodePrompt(text);
            if (promptTokens.Length == 0)
                throw new CliException(templated ? "the chat template rendered the prompt as no tokens" : "the prompt tokenized to no tokens");
            using var cancel = new ConsoleCancellation(context);
            if (warmups > 0)
            {
                options = options with { GrammarAlignment = new Sampling.Aligned.AsapState() };
                // Each earlier sample teaches the shared state; seeds differ so they explore different prefixes.
                for (int i = 0; i < warmups && !cancel.Token.IsCancellationRequested; i++)
                    foreach (var _ in spindle.GenerateAsync(promptTokens, options with { Seed = options.Sampling.Seed + (ulong)(i + 1) }, cancel.Token).ToBlockingEnumerable()) { }
                context.Error.WriteLine($"asap: learned from {warmups} samples ({options.GrammarAlignment.NodeCount} prefixes)");
            }
            var adaptive = ead.Load(parse, spindle);
            using var ownedSmall = adaptive?.Small;
            if (adaptive is not null)
            {
                if (speculative is not null) throw new CliException("choose speculative decoding (lossless) or --ead-small (lossy), not both");
                if (options.Beam is not null || options.Contrastive is not null || warmups > 0)
                    throw new CliException("--ead-small chooses tokens with the sampler chain; not with --beams, --contrastive-alpha or --asap");
                var decoder = new Decoding.EntropyAdaptive.EntropyAdaptiveDecoder(adaptive.Small, spindle, adaptive.Options);
                var eadChunks = decoder.Generate(promptTokens, options, cancel.Token);
                int code = parse.GetValue(json) ? WriteJson(context, spindle, eadChunks, () => decoder.Report) : Stream(context, eadChunks);
                if (!parse.GetValue(json) && decoder.Report is { } report) context.Error.WriteLine(EadSummary(report));
                return code;
            }
            var chunks = spindle.GenerateAsync(promptTokens, options, cancel.Token).ToBlockingEnumerable();
            return parse.GetValue(json) ? WriteJson(context, spindle, chunks) : Stream(context, chunks);
        });
        return command;
    }

    private static int Stream(CliContext context, IEnumerable<GenerationChunk> chunks)
    {
        GenerationChunk? last = null;
        foreach (var chunk in chunks)
        {
            if (chunk.Text.Length > 0)
            {
                context.WriteGenerated(chunk.Text);
                context.Out.Flush();
            }
            last = chunk;
        }
        context.Out.WriteLine();
        context.Out.Flush();
        if (last?.Usage is { } u)
        {
            context.Error.WriteLine(Summary(u, last.FinishReason));
            if (u.Speculation is { } s) context.Error.WriteLine(SpeculationFlags.Summary(s));
        }
        return 0;
    }

    internal static string Summary(GenerationUsage u, FinishReason? reason) =>
        // A search strategy evaluates the prompt inside its own timing, so it has no separate prefill rate.
        (u.PrefillTime > TimeSpan.Zero ? $"prompt: {u.PromptTokens} tokens, {u.PrefillTokensPerSecond:F1} tokens/s; " : $"prompt: {u.PromptTokens} tokens; ") +
        $"generated: {u.GeneratedTokens} tokens, {u.DecodeTokensPerSecond:F1} tokens/s; finish: {ReasonText(reason)}";

    internal static string ReasonText(FinishReason? reason) => reason switch
    {
        FinishReason.EndOfGeneration => "end_of_generation",
        FinishReason.StopString => "stop_string",
        FinishReason.Length => "length",
        FinishReason.Cancelled => "cancelled",
        _ => "none",
    };

    /// <summary>One line for stderr after an entropy-adaptive run (lossy: the output is neither model's own).</summary>
    internal static string EadSummary(Decoding.EntropyAdaptive.EntropyAdaptiveReport r) => FormattableString.Invariant(
        $"ead (lossy): {r.LargeTokens} of {r.GeneratedTokens} tokens from the large model ({r.LargeShare:P1}), {r.Switches} switches, parameter-weighted cost {r.ParameterWeightedCost:F3} of large-only");

    private static int WriteJson(CliContext context, SpindleModel spindle, IEnumerable<GenerationChunk> chunks,
        Func<Decoding.EntropyAdaptive.EntropyAdaptiveReport?>? eadReport = null)
    {
        var text = new StringBuilder();
        var buffer = new MemoryStream();
        GenerationChunk? last = null;
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteStartArray("tokens");
            foreach (var chunk in chunks)
            {
                text.Append(chunk.Text);
                last = chunk;
                if (chunk.TokenId < 0) continue;
                w.WriteStartObject();
                w.WriteNumber("id", chunk.TokenId);
                w.WriteString("text", Encoding.UTF8.GetString(spindle.Tokenizer.TokenToPiece(chunk.TokenId, special: true)));
                w.WriteNumber("logprob", chunk.Logprob);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteString("text", text.ToString());
            var u = last?.Usage;
            w.WriteStartObject("stats");
            w.WriteNumber("prompt_tokens", u?.PromptTokens ?? 0);
            w.WriteNumber("generated_tokens", u?.GeneratedTokens ?? 0);
            w.WriteNumber("prefill_tokens_per_s", Math.Round(u?.PrefillTokensPerSecond ?? 0, 2));
            w.WriteNumber("decode_tokens_per_s", Math.Round(u?.DecodeTokensPerSecond ?? 0, 2));
            // The sampler chain's and logprobs' share of the decode time (the pipeline's overhead).
            w.WriteNumber("decode_ms", Math.Round(u?.DecodeTime.TotalMilliseconds ?? 0, 2));
            w.WriteNumber("sampling_ms", Math.Round(u?.SamplingTime.TotalMilliseconds ?? 0, 2));
            w.WriteString("finish_reason", ReasonText(last?.FinishReason));
            if (u?.Speculation is { } s) SpeculationJson.Write(w, s);
            if (eadReport?.Invoke() is { } r)
            {
                w.WriteNumber("large_share", Math.Round(r.LargeShare, 4));
                w.WriteNumber("large_tokens", r.LargeTokens);
                w.WriteNumber("switches", r.Switches);
                w.WriteNumber("parameter_weighted_cost", Math.Round(r.ParameterWeightedCost, 4));
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        context.Out.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
        return 0;
    }
}
