namespace Spindle.Generation;

/// <summary>Why generation ended; carried by the last <see cref="GenerationChunk"/>.</summary>
public enum FinishReason
{
    /// <summary>The model produced an end-of-generation token (EOS, EOT, …).</summary>
    EndOfGeneration,

    /// <summary>The output reached one of <see cref="GenerationOptions.StopStrings"/> (which is not emitted).</summary>
    StopString,

    /// <summary><see cref="GenerationOptions.MaxTokens"/> tokens were generated, or the context is full.</summary>
    Length,

    /// <summary>The caller's cancellation token fired; what was generated before it has been delivered.</summary>
    Cancelled,
}
