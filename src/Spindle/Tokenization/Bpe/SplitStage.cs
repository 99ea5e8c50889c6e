namespace Spindle.Tokenization.Bpe;

/// <summary>
/// One regex of a llama.cpp pre-tokenizer: splits each chunk the previous stage produced into pieces. As in
/// unicode_regex_split_stl, the text between matches is kept as pieces of its own, so the pieces always tile the chunk.
/// Lengths are in code points.
/// </summary>
internal abstract class SplitStage
{
    public void Apply(CodepointText text, List<int> chunks, List<int> pieces)
    {
        int start = 0;
        foreach (int length in chunks)
        {
            if (length > 0) SplitChunk(text, start, start + length, pieces);
            start += length;
        }
    }

    /// <summary>Appends the lengths of the pieces of [start, end) to <paramref name="pieces"/>.</summary>
    public abstract void SplitChunk(CodepointText text, int start, int end, List<int> pieces);
}
