namespace Spindle.Tokenization.Bpe;

/// <summary>
/// A byte-level BPE pre-tokenizer: llama.cpp's list of regexes for one LLAMA_VOCAB_PRE_TYPE, each splitting the pieces
/// of the one before (unicode_regex_split). <see cref="IgnoreMerges"/>: a word that is itself a token is emitted
/// whole without running the merges (llama.cpp's ignore_merges, set for Llama 3 and a few others).
/// </summary>
internal sealed class PreTokenizer(string typeName, bool ignoreMerges, params SplitStage[] stages)
{
    public string TypeName { get; } = typeName;

    public bool IgnoreMerges { get; } = ignoreMerges;

    public IReadOnlyList<SplitStage> Stages => stages;

    /// <summary>Splits the loaded text into words; returns their lengths in code points (one of the two scratch lists).</summary>
    public List<int> Split(CodepointText text, List<int> scratchA, List<int> scratchB)
    {
        scratchA.Clear();
        scratchA.Add(text.Count);
        if (text.Count == 0) return scratchA;
        List<int> current = scratchA, next = scratchB;
        foreach (SplitStage stage in stages)
        {
            next.Clear();
            stage.Apply(text, current, next);
            (current, next) = (next, current);
        }
        return current;
    }
}
