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

    /// <summary>
    /// Whether a word may hold a space between letters (exaone-moe's <c>\p{L}\p{M}*(?: \p{L}\p{M}*)*</c>), so a letter
    /// followed by " word" is no split there.
    /// </summary>
    public bool WordsSpanSpaces { get; private init; }

    public PreTokenizer WithWordsSpanningSpaces() => new(TypeName, IgnoreMerges, stages) { WordsSpanSpaces = true };

    /// <summary>
    /// Whether every stage splits <paramref name="text"/> at <paramref name="index"/> whatever comes before
    /// <c>index - 1</c> or after <c>index + 1</c>, and splits the text before it as it splits <c>text[..index]</c>.
    /// True only for <c>x␣w</c> at index (the space), with x an ASCII letter, digit or punctuation and w an ASCII letter.
    /// Why that holds for every llama.cpp pre-tokenizer: each regex has an alternative that starts a word with an
    /// optional space (or non-letter) before letters (<c> ?\p{L}+</c>, <c>[^\r\n\p{L}\p{N}]?\p{L}+</c>,
    /// <c>\s?[letters]+</c>, …) and no alternative that holds a non-space followed by a space, so no word spans x|␣ and
    /// " w…" starts a word; every alternative that can end at x is a greedy run of a class without the space (letters,
    /// digits, punctuation) or a fixed string, so it ends at x whether the text goes on or ends there; and the
    /// whitespace alternatives with lookahead (<c>\s+(?!\S)</c>) only ever see runs that end before x. Stages that
    /// split pieces further (digit groups, runs of a class) see the same pieces on either side. exaone-moe is the one
    /// exception (<see cref="WordsSpanSpaces"/>): there x must be a digit or punctuation.
    /// </summary>
    public bool SplitsAt(ReadOnlySpan<char> text, int index)
    {
        if (index + 1 >= text.Length || text[index] != ' ' || !char.IsAsciiLetter(text[index + 1])) return false;
        char left = text[index - 1];
        if (char.IsAsciiDigit(left) || IsAsciiPunctuation(left)) return true;
        return char.IsAsciiLetter(left) && !WordsSpanSpaces;
    }

    private static bool IsAsciiPunctuation(char c) => c is (> ' ' and < '0') or (> '9' and < 'A') or (> 'Z' and < 'a') or (> 'z' and < '\x7F');

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
