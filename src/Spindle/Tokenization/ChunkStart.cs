namespace Spindle.Tokenization;

/// <summary>Where a chunk of a streamed text begins in the whole text (see <see cref="StreamingEncoder"/>).</summary>
internal enum ChunkStart
{
    /// <summary>At the very start: a tokenizer treats the first fragment as it does in a one-shot encode.</summary>
    TextStart,

    /// <summary>Right after a special token: a new text fragment starts here.</summary>
    AfterToken,

    /// <summary>Inside a text fragment that an earlier chunk began.</summary>
    InsideText,
}
