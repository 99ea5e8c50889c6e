namespace Spindle.Tokenization;

/// <summary>How <see cref="StreamingEncoder"/> reads and cuts a streamed text.</summary>
public sealed record StreamingEncodeOptions
{
    public static StreamingEncodeOptions Default { get; } = new();

    /// <summary>
    /// Chars read per step, and the least text held before a cut is looked for. 16 Ki chars keeps each chunk's string
    /// (32 KB) off the large-object heap.
    /// </summary>
    public int ChunkChars { get; init; } = 16 * 1024;

    /// <summary>
    /// Most chars held while no safe cut shows up (text with no space or newline, e.g. /dev/zero). Reaching it is a
    /// forced cut or an error, as <see cref="WhenNoSafeCut"/> says; memory stays bounded either way.
    /// </summary>
    public int MaxPendingChars { get; init; } = 1 << 20;

    /// <summary>Add BOS/EOS (or CLS/SEP) around the whole text as the vocabulary asks.</summary>
    public bool AddSpecial { get; init; }

    /// <summary>Turn control-token text such as "&lt;s&gt;" into those tokens.</summary>
    public bool ParseSpecial { get; init; }

    public ForcedCutPolicy WhenNoSafeCut { get; init; } = ForcedCutPolicy.CutAtCharacter;
}

/// <summary>What <see cref="StreamingEncoder"/> does when <see cref="StreamingEncodeOptions.MaxPendingChars"/> of text hold no safe cut.</summary>
public enum ForcedCutPolicy
{
    /// <summary>
    /// Cut anyway, at a character boundary (never inside a surrogate pair, and outside special tokens where it can):
    /// memory stays bounded, but the ids next to that cut may differ from a whole-text encode (a word or merge that
    /// spans it is split). <see cref="StreamingEncoder.ForcedCuts"/> counts them.
    /// </summary>
    CutAtCharacter,

    /// <summary>Throw a <see cref="StreamingCutException"/>: the ids are always those of the whole text, or none.</summary>
    Throw,
}
