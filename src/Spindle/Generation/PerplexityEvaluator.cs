using Spindle.Caching;
using Spindle.Models;

namespace Spindle.Generation;

/// <summary>
/// Perplexity as llama.cpp's llama-perplexity measures it: the token stream (BOS first when the vocabulary adds one) is
/// cut into ⌊n / ctx⌋ chunks of ctx tokens, each evaluated from an empty cache with its first token replaced by BOS, and
/// only the predictions of its second half are scored (positions ctx/2 … ctx−2 predicting the token after each), so every
/// scored token has at least ctx/2 tokens of context.
/// </summary>
public static class PerplexityEvaluator
{
    public static PerplexityResult Evaluate(Model model, ReadOnlySpan<int> tokens, int contextLength, int bosId,
        KvCacheFormat? cacheFormat = null, CancellationToken cancellationToken = default)
    {
        if (contextLength < 4) throw new ArgumentOutOfRangeException(nameof(contextLength), "the context must hold at least 4 tokens");
        if (contextLength > model.Config.ContextLength)
            throw new ArgumentOutOfRangeException(nameof(contextLength), $"the model was trained on a context of {model.Config.ContextLength} tokens, not {contextLength}");
        int chunkCount = tokens.Length / contextLength;
        if (chunkCount == 0 || tokens.Length < 2 * contextLength)
            throw new ArgumentException($"{tokens.Length} tokens: perplexity with a context of {contextLength} needs at least {2 * contextLength}");

        int vocab = model.Config.VocabSize;
        var session = new InferenceSession(model, cacheFormat, contextLength);
        var logits = new float[contextLength * vocab];
        var chunk = new int[contextLength];
        var logprobs = new RawLogprobs(vocab);
        int first = contextLength / 2;
        double nll = 0;
        int scored = 0;
        var running = new double[chunkCount];
        for (int c = 0; c < chunkCount; c++)
        {
            int start = c * contextLength;
            tokens.Slice(start, contextLength).CopyTo(chunk);
            if (bosId >= 0) chunk[0] = bosId;
            session.Reset();
            session.Evaluate(chunk, logits, cancellationToken);
            for (int j = first; j < contextLength - 1; j++)
            {
                var row = logits.AsSpan(j * vocab, vocab);
                logprobs.Compute(row);
                nll -= logprobs.Of(row, tokens[start + j + 1]);
                scored++;
            }
            running[c] = Math.Exp(nll / scored);
        }
        return new PerplexityResult(Math.Exp(nll / scored), nll / scored, chunkCount, scored, running);
    }
}
