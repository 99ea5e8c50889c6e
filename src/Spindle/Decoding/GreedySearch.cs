using Spindle.Models;
using Spindle.Tensors.Ops;

namespace Spindle.Decoding;

/// <summary>
/// Greedy decoding: the most likely token each step (lowest id on ties), the reference the other strategies are tested
/// against (beam width 1, contrastive α = 0).
/// </summary>
public static class GreedySearch
{
    public static SearchResult Run(Model model, ReadOnlySpan<int> prompt, GreedySearchOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxNewTokens, 1, nameof(options.MaxNewTokens));
        if (prompt.IsEmpty) throw new ArgumentException("greedy search needs a prompt of at least one token", nameof(prompt));
        cancellationToken.ThrowIfCancellationRequested();

        int vocab = model.Config.VocabSize, maxNew = options.MaxNewTokens;
        int[] stops = [.. options.StopTokens];
        var session = new InferenceSession(model, options.CacheType, prompt.Length + maxNew);
        var logits = session.Prefill(prompt, cancellationToken);
        var scratch = new float[vocab];

        var tokens = new List<int>(maxNew);
        Span<int> best = stackalloc int[1];
        double sumLogProb = 0;
        for (int step = 0; step < maxNew; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            TopK.Select(logits, best);
            sumLogProb += logits[best[0]] - Softmax.LogSumExp(logits, scratch);
            if (Array.IndexOf(stops, best[0]) >= 0) return new SearchResult(tokens.ToArray(), sumLogProb, best[0]);
            tokens.Add(best[0]);
            if (step == maxNew - 1) break;
            logits = session.Decode(best[0]);
        }
        return new SearchResult(tokens.ToArray(), sumLogProb, null);
    }
}
