using System.Runtime.InteropServices;
using Spindle.Caching;
using Spindle.Models;

namespace Spindle.Decoding.EntropyAdaptive;

/// <summary>
/// One of the two models of an entropy-adaptive run with its own KV cache. Both caches only ever hold a prefix of the
/// one shared sequence (prompt, then every chosen token, whichever model chose it), so the record of what a cache holds
/// is its length: <see cref="CachedCount"/> tokens of the sequence. A lane that becomes active evaluates the rest in one
/// batched pass, and counts every token it evaluates for the cost report.
/// </summary>
internal sealed class EntropyAdaptiveLane
{
    public EntropyAdaptiveLane(Model model, KvCacheFormat format, int capacity, long parameterCount)
    {
        Session = new InferenceSession(model, format, capacity);
        ParameterCount = parameterCount;
    }

    public InferenceSession Session { get; }

    public long ParameterCount { get; }

    /// <summary>Tokens of the sequence the cache holds: the sequence's first <see cref="CachedCount"/>.</summary>
    public int CachedCount => Session.TokenCount;

    /// <summary>Tokens this lane has run through its model, catch-up included.</summary>
    public long EvaluatedTokens { get; private set; }

    /// <summary>Forward passes this lane has made (one per decode step or catch-up).</summary>
    public int Passes { get; private set; }

    /// <summary>Logits after the last token the cache holds.</summary>
    public ReadOnlySpan<float> Logits => Session.Logits;

    /// <summary>
    /// Evaluates the tokens of <paramref name="sequence"/> the cache lacks, in one forward pass (a decode when only the
    /// newest one is missing, a batched prefill otherwise), so <see cref="Logits"/> follow the whole sequence. A cancelled
    /// prefill stops between micro-batches and throws; the cache then holds the tokens it finished.
    /// </summary>
    public void CatchUp(List<int> sequence, CancellationToken cancellationToken)
    {
        int missing = sequence.Count - CachedCount;
        if (missing < 0) throw new InvalidOperationException($"the cache holds {CachedCount} tokens, more than the sequence's {sequence.Count}");
        if (missing == 0) return;
        int before = CachedCount;
        Passes++;
        try
        {
            if (missing == 1) Session.Decode(sequence[^1]);
            else Session.Prefill(CollectionsMarshal.AsSpan(sequence)[before..], cancellationToken);
        }
        finally
        {
            EvaluatedTokens += CachedCount - before;
        }
    }
}
