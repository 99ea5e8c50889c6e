using Spindle.Models;

namespace Spindle.Watermarking.Codable;

/// <summary>
/// A model as Balance-Marking's proxy: it reads its start token (BOS) and then the generated text only, not the prompt,
/// so a decoder holding only the text computes the same distributions. Its own KV cache follows the prefix: a prefix
/// that extends the last one evaluates just the new tokens, one <see cref="InferenceSession.Decode"/> each (never a
/// batched prefill, whose different summation order could move a probability by an ulp and flip a favoured token
/// between generation and decoding); a prefix that diverges rolls the cache back to what they share.
/// </summary>
public sealed class ModelProxyDistribution : IProxyDistribution
{
    /// <summary>The context a proxy holds by default: the model's training context, at most this.</summary>
    public const int DefaultMaxContext = 4096;

    private readonly InferenceSession _session;
    private readonly List<int> _evaluated = [];
    private readonly int _startCount;

    /// <param name="model">A model over the generating model's vocabulary (the caller keeps ownership).</param>
    /// <param name="startToken">The token the proxy reads before the text (its BOS), or null for none.</param>
    /// <param name="contextLength">
    /// Tokens the proxy's cache holds (start token included); positions past it are unmarked. Default: the training
    /// context, at most <see cref="DefaultMaxContext"/>. Decode with the same value the generator used.
    /// </param>
    public ModelProxyDistribution(Model model, int? startToken, int? contextLength = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        int capacity = contextLength ?? Math.Min(model.Config.ContextLength, DefaultMaxContext);
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(contextLength), capacity, "must be ≥ 1");
        if (startToken is int s && (uint)s >= (uint)model.Config.VocabSize)
            throw new ArgumentOutOfRangeException(nameof(startToken), s, $"not a token of the model's {model.Config.VocabSize}");
        _session = new InferenceSession(model, model.CreateCache(capacity: capacity));
        StartToken = startToken;
        _startCount = startToken is null ? 0 : 1;
    }

    public int VocabularySize => _session.Model.Config.VocabSize;

    public int? StartToken { get; }

    /// <summary>Forward passes run so far (one per newly evaluated token).</summary>
    public long ForwardPasses { get; private set; }

    public bool TryGetProbabilities(ReadOnlySpan<int> prefix, Span<float> destination)
    {
        if (destination.Length != VocabularySize)
            throw new ArgumentException($"destination holds {destination.Length} probabilities, the proxy gives {VocabularySize}", nameof(destination));
        int length = _startCount + prefix.Length;
        if (length == 0 || length > _session.Cache.Capacity) return false;
        foreach (int t in prefix)
            if ((uint)t >= (uint)VocabularySize) return false;

        int common = 0;
        while (common < _evaluated.Count && common < length && _evaluated[common] == TokenAt(prefix, common)) common++;
        // The logits after the whole input are needed: if the cache already holds it all, re-evaluate its last token.
        if (common == length && _evaluated.Count == length) return Softmax(destination);
        if (common == length) common--;
        _session.Rollback(common);
        _evaluated.RemoveRange(common, _evaluated.Count - common);
        for (int i = common; i < length; i++)
        {
            int token = TokenAt(prefix, i);
            _session.Decode(token);
            _evaluated.Add(token);
            ForwardPasses++;
        }
        return Softmax(destination);
    }

    private int TokenAt(ReadOnlySpan<int> prefix, int position) =>
        position < _startCount ? StartToken!.Value : prefix[position - _startCount];

    /// <summary>The softmax of the session's last logits (max-subtracted; float terms, double sum).</summary>
    private bool Softmax(Span<float> destination)
    {
        var logits = _session.Logits;
        float max = float.NegativeInfinity;
        foreach (float l in logits) max = Math.Max(max, l);
        double sum = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            float e = MathF.Exp(logits[i] - max);
            destination[i] = e;
            sum += e;
        }
        float inv = (float)(1 / sum);
        for (int i = 0; i < destination.Length; i++) destination[i] *= inv;
        return true;
    }
}
