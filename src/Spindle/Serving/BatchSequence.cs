using System.Diagnostics;
using Spindle.Caching;
using Spindle.Decoding.Speculative;
using Spindle.Generation;

namespace Spindle.Serving;

/// <summary>One choice of a request inside the engine: its cache, its tokens and its sampler state.</summary>
internal sealed class BatchSequence(BatchRequest request, int index, TokenEmitter emitter, PagedKvCache cache)
{
    public BatchRequest Request { get; } = request;

    /// <summary>The choice index (0 … n − 1).</summary>
    public int Index { get; } = index;

    public TokenEmitter Emitter { get; } = emitter;

    public PagedKvCache Cache { get; } = cache;

    /// <summary>Prompt and evaluated output tokens, in cache order (what the prefix cache is told the blocks hold).</summary>
    public List<int> Tokens { get; } = [];

    /// <summary>Prompt tokens the prefix cache supplied.</summary>
    public int CachedPromptTokens { get; set; }

    /// <summary>True once the prompt is in the cache and the sequence samples a token per step.</summary>
    public bool Decoding { get; set; }

    /// <summary>A further choice waiting for the first choice's prompt, whose blocks and logits it then shares.</summary>
    public bool AwaitingLead { get; set; }

    /// <summary>The token sampled last, to be evaluated in the next step.</summary>
    public int Pending { get; set; } = -1;

    /// <summary>Blocks the sequence may need at most: its reservation in the pool.</summary>
    public int ReservedBlocks { get; set; }

    /// <summary>Speculative decoding state when the request asked for it (its drafter, tree and verifier).</summary>
    public SpeculativeRound? Round { get; set; }

    /// <summary>A drafter that belongs to this sequence alone (a draft model's cache), disposed with it.</summary>
    public IDrafter? OwnDrafter { get; set; }

    /// <summary>Rows of logits this step's pass writes for the sequence (1 + draft nodes while decoding speculatively).</summary>
    public int StepRows { get; set; }

    public long StartTimestamp { get; set; }

    public TimeSpan PrefillTime { get; set; }

    public GenerationUsage Usage()
    {
        var total = Stopwatch.GetElapsedTime(StartTimestamp);
        return new GenerationUsage(Request.Prompt.Count, CachedPromptTokens, Emitter.Generated, PrefillTime,
            Decoding ? total - PrefillTime : TimeSpan.Zero, Emitter.SamplingTime)
        {
            Speculation = Round?.Stats(Emitter.Generated),
        };
    }
}
