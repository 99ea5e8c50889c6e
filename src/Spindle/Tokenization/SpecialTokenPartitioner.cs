namespace Spindle.Tokenization;

/// <summary>
/// Splits text around special tokens before the model tokenizer sees it, as llama.cpp's tokenizer_st_partition does:
/// longest special tokens first; control and unknown tokens only when parsing specials is asked for, user-defined
/// tokens always; LStrip/RStrip tokens eat the whitespace beside them.
/// </summary>
public sealed class SpecialTokenPartitioner
{
    private readonly Vocabulary _vocabulary;
    private readonly int[] _specialIds; // longest text first

    public SpecialTokenPartitioner(Vocabulary vocabulary)
    {
        _vocabulary = vocabulary;
        var ids = new List<int>();
        for (int i = 0; i < vocabulary.Count; i++)
        {
            if ((vocabulary.Attributes[i] & (TokenAttributes.Control | TokenAttributes.UserDefined | TokenAttributes.Unknown)) != 0
                && vocabulary.Tokens[i].Length > 0)
                ids.Add(i);
        }
        // Longest first by UTF-8 byte length, as llama.cpp compares std::string sizes (a '▁' counts 3, not 1).
        // Stable: equal lengths keep id order, so the result never depends on sort internals.
        _specialIds = ids.OrderByDescending(id => System.Text.Encoding.UTF8.GetByteCount(vocabulary.Tokens[id])).ThenBy(id => id).ToArray();
    }

    public List<TextFragment> Partition(string text, bool parseSpecial)
    {
        var fragments = new List<TextFragment>();
        if (text.Length == 0) return fragments;
        fragments.Add(TextFragment.Text(0, text.Length));
        var prefilter = SpecialTokenPrefilter.Pays(text.Length, _specialIds.Length) ? new SpecialTokenPrefilter(text) : null;
        foreach (int id in _specialIds)
        {
            var attr = _vocabulary.Attributes[id];
            if (!parseSpecial && (attr & (TokenAttributes.Control | TokenAttributes.Unknown)) != 0) continue;
            string special = _vocabulary.Tokens[id];
            if (prefilter != null && !prefilter.MayContain(special)) continue;
            for (int f = 0; f < fragments.Count; f++)
            {
                var fragment = fragments[f];
                if (fragment.IsToken) continue;
                int match = text.IndexOf(special, fragment.Start, fragment.Length, StringComparison.Ordinal);
                if (match < 0) continue;

                // Replace this fragment by [left] token [right]; the right part is searched again on the next pass
                // of the loop since it is inserted after the token.
                int end = fragment.Start + fragment.Length;
                int leftStart = fragment.Start;
                int leftLength = match - fragment.Start;
                if ((attr & TokenAttributes.LStrip) != 0)
                {
                    while (leftLength > 0 && IsCSpace(text[leftStart + leftLength - 1])) leftLength--;
                }
                int rightStart = match + special.Length;
                int rightLength = end - rightStart;
                if ((attr & TokenAttributes.RStrip) != 0)
                {
                    while (rightLength > 0 && IsCSpace(text[rightStart])) { rightStart++; rightLength--; }
                }
                fragments.RemoveAt(f);
                int insertAt = f;
                if (leftLength > 0) fragments.Insert(insertAt++, TextFragment.Text(leftStart, leftLength));
                fragments.Insert(insertAt++, TextFragment.Token(id));
                if (rightLength > 0) fragments.Insert(insertAt, TextFragment.Text(rightStart, rightLength));
                f = insertAt - 1; // continue with the right remainder
            }
        }
        return fragments;
    }

    // C's isspace in the "C" locale: the set llama.cpp strips with.
    private static bool IsCSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';
}
