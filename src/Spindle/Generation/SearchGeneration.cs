using System.Diagnostics;
using Spindle.Constraints;
using Spindle.Decoding;
using Spindle.Models;
using Spindle.Tokenization;

namespace Spindle.Generation;

/// <summary>
/// Runs a search strategy (beam, diverse beam or contrastive search) and delivers its sequence as generation chunks, so
/// callers get the same stream, stop strings, logprobs and usage as with sampling. Contrastive search commits to one
/// token per step, so its chunks stream as it goes, each with the model's raw log-probability of the token (contrastive
/// search scores candidates with the full softmax it already computed). Beam search knows its best sequence only at
/// the end, so its chunks come after the search; their logprobs are recomputed by one teacher-forced pass over the
/// chosen sequence (beams are scored with length penalties, not the model's probability alone). A constraint gives the
/// search its own grammar state (beam search clones it per beam); logprobs stay the model's raw ones.
/// </summary>
internal static class SearchGeneration
{
    public static IEnumerable<GenerationChunk> Run(
        SpindleModel spindle, IReadOnlyList<int> prompt, GenerationOptions options, CancellationToken cancellationToken)
    {
        int maxNew = (int)Math.Min(options.MaxTokens, (long)spindle.ContextLength - prompt.Count);
        int[] stopTokens = [.. spindle.Vocabulary.EndOfGenerationIds];
        var matcher = options.Constraint is { } constraint ? spindle.CreateMatcher(constraint) : null;
        return options.Contrastive is { } contrastive
            ? StreamContrastive(spindle, [.. prompt], options, contrastive with { MaxNewTokens = maxNew, StopTokens = stopTokens }, matcher, cancellationToken)
            : RunBeam(spindle, [.. prompt], options, maxNew, stopTokens, matcher, cancellationToken);
    }

    private static IEnumerable<GenerationChunk> StreamContrastive(SpindleModel spindle, int[] prompt, GenerationOptions options,
        ContrastiveSearchOptions contrastive, Matcher? matcher, CancellationToken cancellationToken)
    {
        var writer = new ChunkWriter(spindle, options);
        if (cancellationToken.IsCancellationRequested)
        {
            yield return writer.Cancelled(new GenerationUsage(prompt.Length, 0, 0, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero));
            yield break;
        }
        var clock = Stopwatch.StartNew();
        var search = new ContrastiveDecoder(spindle.Model, prompt, contrastive, matcher);
        var prefillTime = clock.Elapsed;
        int generated = 0;
        GenerationUsage Usage() => new(prompt.Length, 0, generated, prefillTime, clock.Elapsed - prefillTime, TimeSpan.Zero);
        Func<GenerationUsage> usage = Usage; // one delegate for the whole stream, not one per token
        while (!search.Finished)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                yield return writer.Cancelled(Usage());
                yield break;
            }
            var t = search.Step();
            generated++;
            var chunk = writer.Next(t.Token, t.LogProbability, t.IsStopToken, search.Finished, FinishReason.Length, usage);
            yield return chunk;
            if (chunk.FinishReason is not null) yield break;
        }
    }

    private static IEnumerable<GenerationChunk> RunBeam(SpindleModel spindle, int[] prompt, GenerationOptions options,
        int maxNew, int[] stopTokens, Matcher? matcher, CancellationToken cancellationToken)
    {
        var model = spindle.Model;
        var clock = Stopwatch.StartNew();
        int[] tokens;
        int? stopToken;
        bool cancelled = false;
        try
        {
            (tokens, stopToken) = Search(model, prompt, options, maxNew, stopTokens, matcher, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            (tokens, stopToken, cancelled) = ([], null, true);
        }
        var searchTime = clock.Elapsed;

        // A stop token ends the sequence; it is delivered (without text) like an end-of-generation token in sampling.
        int[] delivered = stopToken is int s ? [.. tokens, s] : tokens;
        float[] logprobs = RawLogprobsOf(model, prompt, delivered);
        var usage = new GenerationUsage(prompt.Length, 0, delivered.Length, TimeSpan.Zero, searchTime, TimeSpan.Zero);
        var writer = new ChunkWriter(spindle, options);
        Func<GenerationUsage> usageOf = () => usage;
        if (delivered.Length == 0)
        {
            yield return cancelled ? writer.Cancelled(usage) : writer.Ended(usage);
            yield break;
        }
        for (int i = 0; i < delivered.Length; i++)
        {
            bool last = i == delivered.Length - 1;
            var chunk = writer.Next(delivered[i], logprobs[i], stopToken is not null && last, last,
                cancelled ? FinishReason.Cancelled : FinishReason.Length, usageOf);
            yield return chunk;
            if (chunk.FinishReason is not null) yield break;
        }
    }

    /// <summary>Turns chosen tokens into chunks: text through the stream decoder and the stop-string matcher.</summary>
    private sealed class ChunkWriter(SpindleModel spindle, GenerationOptions options)
    {
        private readonly TokenStreamDecoder _decoder = new(spindle.Tokenizer);
        private readonly StopStringMatcher _stops = new(options.StopStrings);

        /// <summary>
        /// The chunk of one token. A stop token ends the output without text of its own; a stop string ends it at the
        /// match; otherwise the last token (<paramref name="isLast"/>) flushes held-back text and ends with
        /// <paramref name="lastReason"/>.
        /// </summary>
        public GenerationChunk Next(int token, float logprob, bool isStopToken, bool isLast, FinishReason lastReason,
            Func<GenerationUsage> usage)
        {
            if (isStopToken)
                return new GenerationChunk { TokenId = token, Text = Flush(), Logprob = logprob, FinishReason = FinishReason.EndOfGeneration, Usage = usage() };
            if (_stops.Append(_decoder.Append(token), out string released))
                return new GenerationChunk { TokenId = token, Text = released, Logprob = logprob, FinishReason = FinishReason.StopString, Usage = usage() };
            if (isLast)
                return new GenerationChunk { TokenId = token, Text = released + Flush(), Logprob = logprob, FinishReason = lastReason, Usage = usage() };
            return new GenerationChunk { TokenId = token, Text = released, Logprob = logprob };
        }

        /// <summary>A closing chunk without a token: what was held back, and the reason.</summary>
        public GenerationChunk Cancelled(GenerationUsage usage) =>
            new() { TokenId = -1, Text = Flush(), FinishReason = FinishReason.Cancelled, Usage = usage };

        public GenerationChunk Ended(GenerationUsage usage) =>
            new() { TokenId = -1, Text = Flush(), FinishReason = FinishReason.Length, Usage = usage };

        private string Flush()
        {
            _stops.Append(_decoder.Flush(), out string tail);
            return tail + _stops.Flush();
        }
    }

    private static (int[] Tokens, int? StopToken) Search(
        Model model, int[] prompt, GenerationOptions options, int maxNew, int[] stopTokens, Matcher? matcher, CancellationToken ct)
    {
        var result = BeamSearch.Run(model, prompt, options.Beam! with { MaxNewTokens = maxNew, StopTokens = stopTokens }, matcher, ct);
        return (result.Best.Tokens, result.Best.StopToken);
    }

    /// <summary>log p(tokens[i] | prompt, tokens[..i]) for each i, from one prefill and one batched pass.</summary>
    private static float[] RawLogprobsOf(Model model, int[] prompt, int[] tokens)
    {
        var result = new float[tokens.Length];
        if (tokens.Length == 0) return result;
        int vocab = model.Config.VocabSize;
        var session = new InferenceSession(model, contextLength: prompt.Length + tokens.Length);
        var logits = new float[tokens.Length * vocab];
        var logprobs = new RawLogprobs(vocab);
        session.Prefill(prompt).CopyTo(logits);
        if (tokens.Length > 1) session.Evaluate(tokens.AsSpan(0, tokens.Length - 1), logits.AsSpan(vocab));
        for (int i = 0; i < tokens.Length; i++)
        {
            var row = logits.AsSpan(i * vocab, vocab);
            logprobs.Compute(row);
            result[i] = logprobs.Of(row, tokens[i]);
        }
        return result;
    }

}
