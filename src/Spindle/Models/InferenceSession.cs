using Spindle.Caching;

namespace Spindle.Models;

/// <summary>
/// One sequence being generated: a model, its cache, and the logits of the last evaluated token. Tokens sit at
/// positions 0, 1, 2, ... in cache order. Decoding reuses every buffer, so a step allocates nothing.
/// </summary>
public sealed class InferenceSession
{
    private readonly float[] _lastLogits;
    private readonly float[] _hidden;
    private readonly ForwardBatch _batch = new(1);

    public InferenceSession(Model model, KvCacheFormat? format = null, int? contextLength = null)
        : this(model, model.CreateCache(format, contextLength))
    {
    }

    /// <summary>A session over an existing cache (contiguous or paged); its slots are the session's context so far.</summary>
    public InferenceSession(Model model, KvCache cache)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(cache);
        Model = model;
        Cache = cache;
        _lastLogits = new float[model.Config.VocabSize];
        _hidden = new float[model.Config.EmbeddingLength];
    }

    public Model Model { get; }

    public KvCache Cache { get; }

    /// <summary>Tokens evaluated so far (the next token's position).</summary>
    public int TokenCount => Cache.Count;

    /// <summary>Logits after the last evaluated token.</summary>
    public ReadOnlySpan<float> Logits => _lastLogits;

    /// <summary>Final normalized hidden state after the last <see cref="Prefill"/> or <see cref="Decode"/> (e.g. for contrastive search).</summary>
    public ReadOnlySpan<float> HiddenState => _hidden;

    /// <summary>
    /// Evaluates a run of tokens and returns the logits after the last one. The run goes through the model in
    /// micro-batches; a cancelled prefill stops between them, and the cache then holds the tokens evaluated so far
    /// (<see cref="TokenCount"/>).
    /// </summary>
    public ReadOnlySpan<float> Prefill(ReadOnlySpan<int> tokens, CancellationToken cancellationToken = default)
    {
        Fill(tokens, outputAll: false);
        Model.Forward(_batch, Cache, _lastLogits, _hidden, cancellationToken: cancellationToken);
        return _lastLogits;
    }

    /// <summary>Evaluates one token and returns the logits that follow it.</summary>
    public ReadOnlySpan<float> Decode(int token)
    {
        _batch.Clear();
        _batch.Add(token, Cache.Count, 0, output: true);
        Model.Forward(_batch, Cache, _lastLogits, _hidden);
        return _lastLogits;
    }

    /// <summary>
    /// Evaluates a batch and writes logits for every token (tokens × n_vocab), e.g. to verify k speculative drafts at
    /// once or to score a text; follow with <see cref="Rollback"/> to drop rejected ones.
    /// </summary>
    public void Evaluate(ReadOnlySpan<int> tokens, Span<float> allLogits, CancellationToken cancellationToken = default)
    {
        Fill(tokens, outputAll: true);
        Model.Forward(_batch, Cache, allLogits, cancellationToken: cancellationToken);
        int v = Model.Config.VocabSize;
        allLogits.Slice((tokens.Length - 1) * v, v).CopyTo(_lastLogits);
    }

    /// <summary>Forgets every token after the first <paramref name="tokenCount"/>.</summary>
    public void Rollback(int tokenCount) => Cache.Truncate(tokenCount);

    public void Reset() => Cache.Clear();

    private void Fill(ReadOnlySpan<int> tokens, bool outputAll)
    {
        if (tokens.IsEmpty) throw new ArgumentException("a forward pass needs at least one token", nameof(tokens));
        _batch.Clear();
        _batch.AddSequence(tokens, Cache.Count, 0, outputAll, outputLast: true);
    }
}
