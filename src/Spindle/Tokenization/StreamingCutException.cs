namespace Spindle.Tokenization;

/// <summary>
/// A streamed text ran <see cref="StreamingEncodeOptions.MaxPendingChars"/> chars without a place where it can be cut
/// and still give the ids of the whole text (with <see cref="ForcedCutPolicy.Throw"/>).
/// </summary>
public sealed class StreamingCutException : IOException
{
    public StreamingCutException(long offset, int pendingChars)
        : base($"text from char {offset} on runs {pendingChars} chars without a place to cut it (no space or newline the tokenizer splits at); " +
            "raise MaxPendingChars or allow forced cuts")
    {
        Offset = offset;
        PendingChars = pendingChars;
    }

    /// <summary>Char offset in the whole text where the uncut run starts.</summary>
    public long Offset { get; }

    public int PendingChars { get; }
}
