using System.Diagnostics;
using Spindle.Decoding;
using Spindle.Models;
using Spindle.Tokenization;

namespace Spindle.Generation;

/// <summary>
/// Runs a search strategy (beam, diverse beam or contrastive search) to completion and delivers its best sequence as
/// generation chunks, so callers get the same stream, stop strings, logprobs and usage as with sampling.
/// Search strategies keep their own caches and see the whole sequence only at the end, so the chunks come after the
/// search finishes; each chunk's logprob is the model's raw log-probability of the token, recomputed by one
/// teacher-forced pass over the chosen sequence (searches score with penalties that are not the model's probability).
/// </summary>
internal static class SearchGeneration
{
    public static IEnumerable<GenerationChunk> Run(
        SpindleModel spindle, IReadOnlyList<int> prompt, GenerationOptions options, CancellationToken cancellationToken)
    {
        var model = spindle.Model;
        int maxNew = (int)Math.Min(options.MaxTokens, (long)spindle.ContextLength - prompt.Count);
        int[] stopTokens = [.. spindle.Vocabulary.EndOfGenerationIds];
        int[] promptArray = [.. prompt];

        var clock = Stopwatch.StartNew();
        int[] tokens;
        int? stopToken;
        bool cancelled = false;
        try
        {
            (tokens, stopToken) = Search(model, promptArray, options, maxNew, stopTokens, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            (tokens, stopToken, cancelled) = ([], null, true);
        }
        var searchTime = clock.Elapsed;

        // A stop token ends the sequence; it is delivered (without text) like an end-of-generation token in sampling.
        int[] delivered = stopToken is int s ? [.. tokens, s] : tokens;
        float[] logprobs = RawLogprobsOf(model, promptArray, delivered);
        var usage = new GenerationUsage(prompt.Count, 0, delivered.Length, TimeSpan.Zero, searchTime, TimeSpan.Zero);

        var decoder = new TokenStreamDecoder(spindle.Tokenizer);
        var stops = new StopStringMatcher(options.StopStrings);
        var chunks = new List<GenerationChunk>(delivered.Length + 1);
        for (int i = 0; i < delivered.Length; i++)
        {
            int token = delivered[i];
            bool last = i == delivered.Length - 1;
            if (stopToken is not null && last)
            {
                chunks.Add(new GenerationChunk
                {
                    TokenId = token, Text = Flush(decoder, stops), Logprob = logprobs[i],
                    FinishReason = FinishReason.EndOfGeneration, Usage = usage,
                });
                return chunks;
            }
            if (stops.Append(decoder.Append(token), out string released))
            {
                chunks.Add(new GenerationChunk
                {
                    TokenId = token, Text = released, Logprob = logprobs[i], FinishReason = FinishReason.StopString, Usage = usage,
                });
                return chunks;
            }
            if (last)
            {
                chunks.Add(new GenerationChunk
                {
                    TokenId = token, Text = released + Flush(decoder, stops), Logprob = logprobs[i],
                    FinishReason = cancelled ? FinishReason.Cancelled : FinishReason.Length, Usage = usage,
                });
                return chunks;
            }
            chunks.Add(new GenerationChunk { TokenId = token, Text = released, Logprob = logprobs[i] });
        }
        chunks.Add(new GenerationChunk
        {
            TokenId = -1, FinishReason = cancelled ? FinishReason.Cancelled : FinishReason.Length, Usage = usage,
        });
        return chunks;
    }

    private static (int[] Tokens, int? StopToken) Search(
        Model model, int[] prompt, GenerationOptions options, int maxNew, int[] stopTokens, CancellationToken ct)
    {
        if (options.Beam is { } beam)
        {
            var result = BeamSearch.Run(model, prompt, beam with { MaxNewTokens = maxNew, StopTokens = stopTokens }, ct);
            return (result.Best.Tokens, result.Best.StopToken);
        }
        var contrastive = options.Contrastive!;
        var found = ContrastiveSearch.Run(model, prompt, contrastive with { MaxNewTokens = maxNew, StopTokens = stopTokens }, ct);
        return (found.Tokens, found.StopToken);
    }

    private static string Flush(TokenStreamDecoder decoder, StopStringMatcher stops)
    {
        stops.Append(decoder.Flush(), out string tail);
        return tail + stops.Flush();
    }

    /// <summary>log p(tokens[i] | prompt, tokens[..i]) for each i, from one prefill and one batched pass.</summary>
    private static float[] RawLogprobsOf(Model model, int[] prompt, int[] tokens)
    {
        var result = new float[tokens.Length];
        if (tokens.Length == 0) return result;
        int vocab = model.Config.VocabSize;
        var cache = model.CreateCache(capacity: prompt.Length + tokens.Length);
        var logits = new float[tokens.Length * vocab];
        var logprobs = new RawLogprobs(vocab);
        model.Forward(prompt, Positions(0, prompt.Length), cache, logits.AsSpan(0, vocab), LogitsSelection.Last);
        if (tokens.Length > 1)
        {
            model.Forward(tokens.AsSpan(0, tokens.Length - 1), Positions(prompt.Length, tokens.Length - 1), cache,
                logits.AsSpan(vocab), LogitsSelection.All);
        }
        for (int i = 0; i < tokens.Length; i++)
        {
            var row = logits.AsSpan(i * vocab, vocab);
            logprobs.Compute(row);
            result[i] = logprobs.Of(row, tokens[i]);
        }
        return result;
    }

    private static int[] Positions(int start, int count)
    {
        var positions = new int[count];
        for (int i = 0; i < count; i++) positions[i] = start + i;
        return positions;
    }
}
