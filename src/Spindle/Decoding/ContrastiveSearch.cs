using System.Runtime.CompilerServices;
using Spindle.Constraints;
using Spindle.Models;

namespace Spindle.Decoding;

/// <summary>
/// Contrastive search (Su et al. 2022, "A Contrastive Framework for Neural Text Generation"), as HF's
/// <c>penalty_alpha</c>/<c>top_k</c>: among the k most probable next tokens v, pick the argmax of
/// (1 − α)·p(v) − α·max_j cos(h_v, h_j), where h are final normalized hidden states (the LM head's input) and j runs over
/// every earlier token, prompt included. One batched forward pass per step evaluates all k candidates. Uses the model
/// exclusively while it runs. With a constraint (a <see cref="Matcher"/>, cloned, never changed) the k candidates are
/// drawn from the allowed tokens only; see <see cref="ContrastiveDecoder"/>. A state that allows no token throws
/// <see cref="ConstraintDeadEndException"/>.
/// </summary>
public static class ContrastiveSearch
{
    public static SearchResult Run(Model model, ReadOnlySpan<int> prompt, ContrastiveSearchOptions options,
        CancellationToken cancellationToken = default) =>
        Run(model, prompt, options, null, cancellationToken);

    /// <summary>Contrastive search whose output follows <paramref name="constraint"/> (null: unconstrained).</summary>
    public static SearchResult Run(Model model, ReadOnlySpan<int> prompt, ContrastiveSearchOptions options, Matcher? constraint,
        CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var decoder = new ContrastiveDecoder(model, prompt, options, constraint);
        var tokens = new List<int>(options.MaxNewTokens);
        double sumLogProb = 0;
        while (!decoder.Finished)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var t = decoder.Step();
            sumLogProb += t.LogProbability;
            if (t.IsStopToken) return new SearchResult(tokens.ToArray(), sumLogProb, t.Token);
            tokens.Add(t.Token);
        }
        return new SearchResult(tokens.ToArray(), sumLogProb, null);
    }

    /// <summary>
    /// Streams tokens as they are chosen (a stop token comes last, flagged). The work runs on the thread that moves the
    /// enumerator, after a first yield off the caller's; cancellation is checked before every step.
    /// </summary>
    public static IAsyncEnumerable<ContrastiveToken> StreamAsync(Model model, ReadOnlyMemory<int> prompt,
        ContrastiveSearchOptions options, CancellationToken cancellationToken = default) =>
        StreamAsync(model, prompt, options, null, cancellationToken);

    /// <summary>As the unconstrained stream, with the output following <paramref name="constraint"/> (null: none).</summary>
    public static async IAsyncEnumerable<ContrastiveToken> StreamAsync(Model model, ReadOnlyMemory<int> prompt,
        ContrastiveSearchOptions options, Matcher? constraint, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        var decoder = new ContrastiveDecoder(model, prompt.Span, options, constraint);
        while (!decoder.Finished)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return decoder.Step();
        }
    }
}
