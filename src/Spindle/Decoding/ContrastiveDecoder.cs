using System.Numerics.Tensors;
using Spindle.Caching;
using Spindle.Constraints;
using Spindle.Constraints.Vocabulary;
using Spindle.Models;
using Spindle.Sampling;
using Spindle.Tensors.Ops;

namespace Spindle.Decoding;

/// <summary>
/// The state of one contrastive search. Each step evaluates the k most probable next tokens in one forward pass, side by
/// side after the context: they occupy cache slots [L, L + k) at the same position L, and a tree
/// <see cref="AttentionMask"/> lets candidate i see the context and itself only. The chosen candidate's key and value
/// are then moved to slot L and the others dropped, so the cache never holds more than one context.
/// <para>
/// With a constraint, the candidates are the k most probable <em>allowed</em> tokens (fewer when fewer are allowed), and
/// p(v) in the score is the softmax of the masked logits, as HF's contrastive search applies its logits processors
/// before the softmax. The token's raw log-probability under the model is reported alongside.
/// </para>
/// </summary>
internal sealed class ContrastiveDecoder
{
    // Prompt rows are evaluated in chunks so the all-rows logits buffer stays chunk × n_vocab, not prompt × n_vocab.
    private const int PrefillChunk = 32;

    private readonly Model _model;
    private readonly float _alpha;
    private readonly int _maxNewTokens;
    private readonly int[] _stops;
    private readonly KvCache _cache;
    private readonly AttentionMask _mask;
    private readonly int _vocab;
    private readonly int _embedding;
    private readonly float[] _logits;
    private readonly float[] _probabilities;
    private readonly float[] _candidateLogits;
    private readonly float[] _candidateHidden;
    private readonly float[] _context;          // unit-length final hidden states of every token so far, rows of n_embd
    private readonly int[] _candidates;
    private readonly ForwardBatch _batch;
    private readonly Matcher? _matcher;
    private readonly TokenMask? _allowed;
    private int _contextCount;
    private int _generated;

    /// <param name="constraint">Grammar the output must follow, from its current state (cloned, never changed); null: none.</param>
    public ContrastiveDecoder(Model model, ReadOnlySpan<int> prompt, ContrastiveSearchOptions options, Matcher? constraint = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (prompt.IsEmpty) throw new ArgumentException("contrastive search needs a prompt of at least one token", nameof(prompt));
        _model = model;
        _alpha = options.Alpha;
        _maxNewTokens = options.MaxNewTokens;
        _stops = [.. options.StopTokens];
        _vocab = model.Config.VocabSize;
        _embedding = model.Config.EmbeddingLength;
        int k = Math.Min(options.TopK, _vocab);
        int contextCapacity = prompt.Length + _maxNewTokens;
        _cache = model.CreateCache(options.CacheType, contextCapacity + k);
        _mask = new AttentionMask(k);
        _batch = new ForwardBatch(Math.Max(k, PrefillChunk));
        _logits = new float[_vocab];
        _probabilities = new float[_vocab];
        _candidates = new int[k];
        _candidateLogits = new float[Math.Max(k, PrefillChunk) * _vocab];
        _candidateHidden = new float[Math.Max(k, PrefillChunk) * _embedding];
        _context = new float[contextCapacity * _embedding];
        if (constraint is not null)
        {
            _matcher = constraint.Clone();
            _allowed = new TokenMask(_matcher.VocabularySize);
        }
        Prefill(prompt);
    }

    public bool Finished { get; private set; }

    private void Prefill(ReadOnlySpan<int> prompt)
    {
        for (int start = 0; start < prompt.Length; start += PrefillChunk)
        {
            int n = Math.Min(PrefillChunk, prompt.Length - start);
            _batch.Clear();
            _batch.AddSequence(prompt.Slice(start, n), start, outputAll: true);
            _model.Forward(_batch, _cache, _candidateLogits, _candidateHidden);
            for (int i = 0; i < n; i++) AppendContext(_candidateHidden.AsSpan(i * _embedding, _embedding));
            if (start + n == prompt.Length) _candidateLogits.AsSpan((n - 1) * _vocab, _vocab).CopyTo(_logits);
        }
    }

    /// <summary>Chooses, evaluates and keeps the next token.</summary>
    public ContrastiveToken Step()
    {
        if (Finished) throw new InvalidOperationException("the search has finished");
        float rawLogSumExp = 0f;
        if (_matcher is not null)
        {
            // Before masking: the reported log-probability is the model's, as in the other generation paths.
            rawLogSumExp = Softmax.LogSumExp(_logits, _probabilities);
            if (!ConstrainedRow.TryMask(_matcher, _allowed!, _logits)) ConstraintStageChecks.ThrowNothingAllowed(_matcher);
        }
        int k = TopK.Select(_logits, _candidates);
        // Best first, so disallowed (−∞) candidates are at the end; at least one token is allowed.
        while (k > 1 && float.IsNegativeInfinity(_logits[_candidates[k - 1]])) k--;
        Softmax.Compute(_logits, _probabilities);

        int contextLength = _cache.Count;
        // Candidates side by side at one position, each seeing the context and itself only.
        _mask.Reset();
        _batch.Clear();
        for (int i = 0; i < k; i++) _batch.Add(_candidates[i], contextLength, output: true);
        _batch.Mask = _mask;
        _model.Forward(_batch, _cache, _candidateLogits, _candidateHidden);

        int best = 0;
        float bestScore = float.NegativeInfinity, bestPenalty = 0f;
        for (int i = 0; i < k; i++)
        {
            var hidden = _candidateHidden.AsSpan(i * _embedding, _embedding);
            Normalize(hidden);
            float penalty = DegenerationPenalty(hidden);
            float score = (1f - _alpha) * _probabilities[_candidates[i]] - _alpha * penalty;
            if (i == 0 || score > bestScore)
            {
                best = i;
                bestScore = score;
                bestPenalty = penalty;
            }
        }

        int token = _candidates[best];
        float logProbability = _matcher is null ? MathF.Log(_probabilities[token]) : _logits[token] - rawLogSumExp;
        if (_matcher is not null && !_matcher.TryAccept(token)) ConstraintStageChecks.ThrowRejected(token);

        // Keep the winner's key/value at slot L, drop the other candidates.
        _cache.CopySlot(contextLength + best, contextLength);
        _cache.Truncate(contextLength + 1);
        AppendContext(_candidateHidden.AsSpan(best * _embedding, _embedding));
        _candidateLogits.AsSpan(best * _vocab, _vocab).CopyTo(_logits);

        bool isStop = Array.IndexOf(_stops, token) >= 0;
        _generated++;
        // A matcher that took an end-of-generation token allows nothing more: the output is complete.
        if (isStop || _generated == _maxNewTokens || _matcher is { IsFinished: true }) Finished = true;
        return new ContrastiveToken(token, _probabilities[token], bestPenalty, isStop, logProbability);
    }

    /// <summary>max_j cos(h, h_j) over the context; <paramref name="unitHidden"/> is already unit length.</summary>
    private float DegenerationPenalty(ReadOnlySpan<float> unitHidden)
    {
        float max = float.NegativeInfinity;
        for (int j = 0; j < _contextCount; j++)
            max = MathF.Max(max, TensorPrimitives.Dot(_context.AsSpan(j * _embedding, _embedding), unitHidden));
        return max;
    }

    private void AppendContext(ReadOnlySpan<float> hidden)
    {
        var row = _context.AsSpan(_contextCount++ * _embedding, _embedding);
        hidden.CopyTo(row);
        Normalize(row);
    }

    private static void Normalize(Span<float> row)
    {
        // A zero state has no direction; leaving it zero gives it cosine 0 with everything.
        float norm = TensorPrimitives.Norm(row);
        if (norm > 0f) TensorPrimitives.Divide(row, norm, row);
    }
}
