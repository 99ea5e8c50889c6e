using System.Runtime.CompilerServices;
using Spindle.Models;

namespace Spindle.Decoding;

/// <summary>
/// Contrastive search (Su et al. 2022, "A Contrastive Framework for Neural Text Generation"), as HF's
/// <c>penalty_alpha</c>/<c>top_k</c>: among the k most probable next tokens v, pick the argmax of
/// (1 − α)·p(v) − α·max_j cos(h_v, h_j), where h are final normalized hidden states (the LM head's input) and j runs over
/// every earlier token, prompt included. One batched forward pass per step evaluates all k candidates. Uses the model
/// exclusively while it runs.
/// </summary>
public static class ContrastiveSearch
{
    public static SearchResult Run(Model model, ReadOnlySpan<int> prompt, ContrastiveSearchOptions options,
        CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var decoder = new ContrastiveDecoder(model, prompt, options);
        var tokens = new List<int>(options.MaxNewTokens);
        double sumLogProb = 0;
        while (!decoder.Finished)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var t = decoder.Step();
            sumLogProb += Math.Log(t.Probability);
            if (t.IsStopToken) return new SearchResult(tokens.ToArray(), sumLogProb, t.Token);
            tokens.Add(t.Token);
        }
        return new SearchResult(tokens.ToArray(), sumLogProb, null);
    }

    /// <summary>
    /// Streams tokens as they are chosen (a stop token comes last, flagged). The work runs on the thread that moves the
    /// enumerator, after a first yield off the caller's; cancellation is checked before every step.
    /// </summary>
    public static async IAsyncEnumerable<ContrastiveToken> StreamAsync(Model model, ReadOnlyMemory<int> prompt,
        ContrastiveSearchOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        var decoder = new ContrastiveDecoder(model, prompt.Span, options);
        while (!decoder.Finished)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return decoder.Step();
        }
    }
}
