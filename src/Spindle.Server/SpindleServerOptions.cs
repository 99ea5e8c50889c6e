using Spindle.Caching;

namespace Spindle.Server;

/// <summary>What the OpenAI-compatible endpoints serve and how much they may take.</summary>
public sealed class SpindleServerOptions
{
    /// <summary>GGUF files (or Hugging Face folders) to serve; each is known by its file name without extension.</summary>
    public List<string> Models { get; } = [];

    /// <summary>A folder whose <c>*.gguf</c> files are served too, loaded on first use.</summary>
    public string? ModelsDirectory { get; set; }

    /// <summary>When set, every API request must send <c>Authorization: Bearer</c> this key (the page and /health excepted).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Sequences each model decodes together (continuous batching); a request with <c>n</c> choices takes <c>n</c>.</summary>
    public int Parallel { get; set; } = 8;

    /// <summary>Context of each sequence (prompt plus output); null: the model's training context, at most 4,096.</summary>
    public int? ContextLength { get; set; }

    /// <summary>Token slots of each model's KV block pool, shared by its sequences and its prefix cache; null: <see cref="Parallel"/> × context.</summary>
    public int? KvSlots { get; set; }

    public KvCacheFormat CacheFormat { get; set; } = KvCacheFormat.F16;

    /// <summary>Forward-pass threads per model.</summary>
    public int Threads { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// Bytes the loaded models may take together (weights plus KV pool at full size); the least recently used idle
    /// model is unloaded to make room for another. Null: no limit.
    /// </summary>
    public long? MemoryBudget { get; set; }

    /// <summary>Tokens each forward pass takes while sequences decode, prompt chunks included (chunked prefill; see <see cref="Serving.BatchEngineOptions.StepTokenBudget"/>).</summary>
    public int StepTokenBudget { get; set; } = 64;

    /// <summary>Requests that may wait per model before new ones get HTTP 429.</summary>
    public int MaxQueuedRequests { get; set; } = 64;

    /// <summary>
    /// Speculative decoding for every served model (requests turn it off with <c>"draft": false</c>): a drafter method
    /// with its draft length (<see cref="Decoding.Speculative.SpeculationOptions.DraftModel"/> is ignored here; see
    /// <see cref="DraftModelPath"/>). Null: no speculation.
    /// </summary>
    public Decoding.Speculative.SpeculationOptions? Speculation { get; set; }

    /// <summary>The draft model for draft-model speculation, loaded beside each served model with the same vocabulary.</summary>
    public string? DraftModelPath { get; set; }

    /// <summary>Largest request body accepted (HTTP 413 beyond).</summary>
    public long MaxRequestBodyBytes { get; set; } = 8 << 20;

    /// <summary>A Jinja chat template for every model instead of the files' own.</summary>
    public string? ChatTemplate { get; set; }

    internal void Validate()
    {
        if (Models.Count == 0 && ModelsDirectory is null) throw new ArgumentException("no model to serve: give a model file or a models folder");
        ArgumentOutOfRangeException.ThrowIfLessThan(Parallel, 1, nameof(Parallel));
        if (ContextLength is { } c) ArgumentOutOfRangeException.ThrowIfLessThan(c, 16, nameof(ContextLength));
        ArgumentOutOfRangeException.ThrowIfLessThan(Threads, 1, nameof(Threads));
        ArgumentOutOfRangeException.ThrowIfLessThan(StepTokenBudget, 1, nameof(StepTokenBudget));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxQueuedRequests, nameof(MaxQueuedRequests));
        if (MemoryBudget is { } m) ArgumentOutOfRangeException.ThrowIfLessThan(m, 1, nameof(MemoryBudget));
    }
}
