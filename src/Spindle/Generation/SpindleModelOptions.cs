using Spindle.Caching;

namespace Spindle.Generation;

/// <summary>How <see cref="SpindleModel.Load"/> loads and runs a model.</summary>
public sealed record SpindleModelOptions
{
    /// <summary>Worker threads for the forward pass (the caller counts as one). Default: all cores.</summary>
    public int ThreadCount { get; init; } = Environment.ProcessorCount;

    /// <summary>Tokens the KV cache holds (prompt + output); null: the model's training context.</summary>
    public int? ContextLength { get; init; }

    public KvCacheFormat CacheType { get; init; } = KvCacheFormat.F16;

    /// <summary>A Jinja chat template to use instead of the GGUF's <c>tokenizer.chat_template</c> (null: the file's, else ChatML).</summary>
    public string? ChatTemplate { get; init; }

    /// <summary>
    /// A tokenizer to use instead of the model's own: a tokenizer.json (or a folder holding one), or another GGUF file
    /// (see <see cref="Tokenization.Tokenizer.FromFile"/>). Worth it for a GGUF whose table lost the merges the model was
    /// trained with. Null: the model's.
    /// </summary>
    public string? TokenizerPath { get; init; }
}
