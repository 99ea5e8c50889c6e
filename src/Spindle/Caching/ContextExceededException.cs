namespace Spindle.Caching;

/// <summary>
/// More tokens than the context holds: a prompt at least as long as the context, or a forward pass past the last slot
/// (<see cref="KvCacheFullException"/>). The remedy is a larger context (<c>-c</c> in the CLI) or a shorter input.
/// </summary>
public class ContextExceededException : SpindleException
{
    public ContextExceededException(string message) : base(message) { }

    /// <summary>A prompt of <paramref name="promptTokens"/> tokens for a context of <paramref name="contextLength"/>.</summary>
    public ContextExceededException(int promptTokens, int contextLength)
        : base($"the prompt has {promptTokens} tokens and the context holds {contextLength}; a prompt must be shorter than the context")
    {
        PromptTokens = promptTokens;
        ContextLength = contextLength;
    }

    /// <summary>The prompt's length when a prompt was too long, else null.</summary>
    public int? PromptTokens { get; }

    /// <summary>The context length (KV cache slots) that was exceeded, when known.</summary>
    public int? ContextLength { get; }
}
