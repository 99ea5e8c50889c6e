using Spindle.Generation;
using Spindle.Models;

namespace Spindle.Watermarking.Evaluation;

/// <summary>
/// The negative log-likelihood of a continuation given its context under a model: context and continuation are
/// evaluated together from an empty cache and every continuation token is scored by the logits before it. This is
/// how generated text is compared with and without a watermark. (<see cref="PerplexityEvaluator"/> measures a corpus
/// the llama-perplexity way instead: fixed chunks, first token replaced by BOS, only the second half of each scored.)
/// One instance owns a session and its buffers; not thread-safe.
/// </summary>
public sealed class SequencePerplexity
{
    private readonly InferenceSession _session;
    private readonly RawLogprobs _logprobs;
    private readonly int _vocab;
    private float[] _logits = [];
    private int[] _tokens = [];

    /// <param name="contextLength">Most tokens (context + continuation) one call evaluates (default: the model's context).</param>
    public SequencePerplexity(Model model, int? contextLength = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _session = new InferenceSession(model, contextLength: contextLength ?? model.Config.ContextLength);
        _vocab = model.Config.VocabSize;
        _logprobs = new RawLogprobs(_vocab);
    }

    /// <summary>Most tokens a call takes.</summary>
    public int Capacity => _session.Cache.Capacity;

    /// <summary>
    /// −Σ log p(continuation[i] | context, continuation[..i]) in nats. The context must hold at least one token (e.g.
    /// BOS); context + continuation at most <see cref="Capacity"/> tokens.
    /// </summary>
    public double NegativeLogLikelihood(ReadOnlySpan<int> context, ReadOnlySpan<int> continuation)
    {
        if (context.Length == 0) throw new ArgumentException("the context needs at least one token (e.g. BOS)", nameof(context));
        int total = context.Length + continuation.Length;
        if (total > Capacity) throw new ArgumentException($"{total} tokens exceed the scorer's {Capacity}");
        if (continuation.Length == 0) return 0;
        // Only the logits from the last context token on are needed, but one batch is simplest and these texts are short.
        if (_tokens.Length < total) _tokens = new int[total];
        context.CopyTo(_tokens);
        continuation.CopyTo(_tokens.AsSpan(context.Length));
        if (_logits.Length < total * _vocab) _logits = new float[total * _vocab];
        _session.Reset();
        _session.Evaluate(_tokens.AsSpan(0, total), _logits.AsSpan(0, total * _vocab));
        double nll = 0;
        for (int i = 0; i < continuation.Length; i++)
        {
            var row = _logits.AsSpan((context.Length - 1 + i) * _vocab, _vocab);
            _logprobs.Compute(row);
            nll -= _logprobs.Of(row, continuation[i]);
        }
        return nll;
    }

    /// <summary>exp(NLL / continuation length).</summary>
    public double Perplexity(ReadOnlySpan<int> context, ReadOnlySpan<int> continuation) =>
        continuation.Length == 0 ? double.NaN : Math.Exp(NegativeLogLikelihood(context, continuation) / continuation.Length);
}
