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
    private readonly int[] _token = new int[1];
    private int[] _positions = new int[64];

    public InferenceSession(Model model, KvCacheType cacheType = KvCacheType.F16, int? contextLength = null)
    {
        Model = model;
        Cache = model.CreateCache(cacheType, contextLength);
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

    /// <summary>Evaluates a run of tokens as one batch and returns the logits after the last one.</summary>
    public ReadOnlySpan<float> Prefill(ReadOnlySpan<int> tokens)
    {
        Model.Forward(tokens, NextPositions(tokens.Length), Cache, _lastLogits, LogitsSelection.Last, _hidden);
        return _lastLogits;
    }

    /// <summary>
    /// Evaluates a run of tokens in pieces of <see cref="Model.MicroBatchSize"/>, checking
    /// <paramref name="cancellationToken"/> before each piece, so a long prompt can be abandoned within one micro-batch.
    /// Returns how many tokens were evaluated: all of them, or on cancellation the pieces done, which the cache then
    /// holds (the logits follow the last of them only when all were evaluated).
    /// </summary>
    public int Prefill(ReadOnlySpan<int> tokens, CancellationToken cancellationToken)
    {
        int piece = Model.MicroBatchSize, done = 0;
        while (done < tokens.Length && !cancellationToken.IsCancellationRequested)
        {
            int n = Math.Min(piece, tokens.Length - done);
            // Only the last piece needs logits; earlier ones only fill the cache.
            bool last = done + n == tokens.Length;
            Model.Forward(tokens.Slice(done, n), NextPositions(n), Cache, _lastLogits,
                last ? LogitsSelection.Last : LogitsSelection.None, last ? _hidden : default);
            done += n;
        }
        return done;
    }

    /// <summary>Evaluates one token and returns the logits that follow it.</summary>
    public ReadOnlySpan<float> Decode(int token)
    {
        _token[0] = token;
        return Prefill(_token);
    }

    /// <summary>
    /// Evaluates a batch and writes logits for every token (tokens × n_vocab), e.g. to verify k speculative drafts at
    /// once; follow with <see cref="Rollback"/> to drop rejected ones.
    /// </summary>
    public void Evaluate(ReadOnlySpan<int> tokens, Span<float> allLogits)
    {
        Model.Forward(tokens, NextPositions(tokens.Length), Cache, allLogits, LogitsSelection.All);
        int v = Model.Config.VocabSize;
        allLogits.Slice((tokens.Length - 1) * v, v).CopyTo(_lastLogits);
    }

    /// <summary>Forgets every token after the first <paramref name="tokenCount"/>.</summary>
    public void Rollback(int tokenCount) => Cache.Truncate(tokenCount);

    public void Reset() => Cache.Clear();

    private ReadOnlySpan<int> NextPositions(int count)
    {
        if (_positions.Length < count) _positions = new int[Math.Max(count, _positions.Length * 2)];
        int start = Cache.Count;
        for (int i = 0; i < count; i++) _positions[i] = start + i;
        return _positions.AsSpan(0, count);
    }
}
