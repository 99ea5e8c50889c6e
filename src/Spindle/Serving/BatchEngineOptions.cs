using Spindle.Caching;

namespace Spindle.Serving;

/// <summary>How a <see cref="BatchEngine"/> shares one model between concurrent requests.</summary>
public sealed record BatchEngineOptions
{
    /// <summary>Most sequences decoded together (a request with <c>n</c> choices counts <c>n</c>).</summary>
    public int MaxSequences { get; init; } = 8;

    /// <summary>Context of each sequence: prompt plus generated tokens. Null: the model's training context.</summary>
    public int? ContextLength { get; init; }

    /// <summary>
    /// Token slots of the shared KV block pool (running sequences and the prefix cache). Null: enough for
    /// <see cref="MaxSequences"/> sequences of <see cref="ContextLength"/> tokens each (plus a spare block each).
    /// </summary>
    public int? KvSlots { get; init; }

    /// <summary>KV cache types (F16 keys and values by default, as llama.cpp).</summary>
    public KvCacheFormat? CacheFormat { get; init; }

    /// <summary>
    /// Tokens one forward pass takes while sequences are decoding: every decoding sequence's next token, then chunks of
    /// waiting prompts up to this budget (SARATHI's chunked prefill), so a prompt that arrives delays each running
    /// stream's next token by one short step at a time rather than by its whole prefill. Smaller: steadier streams,
    /// slower first tokens. When nothing decodes, prompts go in chunks of <see cref="IdleStepTokens"/> (or this, if larger).
    /// </summary>
    public int StepTokenBudget { get; init; } = 64;

    /// <summary>Prompt tokens per forward pass when no sequence is decoding (nobody's pace to keep).</summary>
    public const int IdleStepTokens = 1024;

    /// <summary>Most draft tokens a speculative request may ask for per round (the step's batch is sized for it).</summary>
    public const int MaxDraftTokens = 32;

    /// <summary>Requests that may wait for a free sequence before new ones are refused (<see cref="EngineBusyException"/>).</summary>
    public int MaxQueuedRequests { get; init; } = 256;

    /// <summary>Keep the blocks of finished sequences for reuse by later ones with the same prefix.</summary>
    public bool PrefixCaching { get; init; } = true;

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSequences, 1, nameof(MaxSequences));
        if (ContextLength is { } c) ArgumentOutOfRangeException.ThrowIfLessThan(c, 2, nameof(ContextLength));
        if (KvSlots is { } k) ArgumentOutOfRangeException.ThrowIfLessThan(k, 1, nameof(KvSlots));
        ArgumentOutOfRangeException.ThrowIfLessThan(StepTokenBudget, 1, nameof(StepTokenBudget));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxQueuedRequests, nameof(MaxQueuedRequests));
    }
}
