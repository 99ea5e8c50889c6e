namespace Spindle.Generation;

/// <summary>
/// One step of a generation: the token sampled and the text it releases. Text is held back while it could still be
/// the start of a stop string or of an unfinished UTF-8 character, so a chunk's <see cref="Text"/> may be empty and a
/// later one may carry several tokens' text; concatenating every chunk's text gives the output exactly.
/// </summary>
public sealed class GenerationChunk
{
    /// <summary>The token sampled at this step; −1 on a closing chunk that carries no token (cancellation).</summary>
    public int TokenId { get; init; }

    /// <summary>Text released at this step.</summary>
    public string Text { get; init; } = "";

    /// <summary>ln p(token) under the model's raw distribution (log-softmax of the logits, before any sampler stage).</summary>
    public float Logprob { get; init; }

    /// <summary>The most likely tokens under the raw distribution, best first (empty unless <see cref="GenerationOptions.TopLogprobs"/> &gt; 0).</summary>
    public IReadOnlyList<TokenLogprob> TopLogprobs { get; init; } = [];

    /// <summary>Set on the last chunk only.</summary>
    public FinishReason? FinishReason { get; init; }

    /// <summary>Set on the last chunk only.</summary>
    public GenerationUsage? Usage { get; init; }
}
