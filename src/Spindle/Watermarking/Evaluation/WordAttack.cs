using System.Text;
using Spindle.Sampling;

namespace Spindle.Watermarking.Evaluation;

/// <summary>
/// A word-level edit of a text, the attack a paraphrasing user makes cheaply: of the whitespace-separated words,
/// exactly round(rate · count) chosen uniformly without replacement are replaced by words drawn uniformly from a pool
/// (another word than the one replaced, unless 64 draws in a row give it back); the whitespace between words is kept. The caller re-tokenizes the result, so
/// the attack also changes how the neighbouring text tokenizes. The same seed gives the same edits.
/// </summary>
public static class WordAttack
{
    /// <exception cref="ArgumentOutOfRangeException">the rate is outside [0, 1] or the pool holds fewer than 2 words.</exception>
    public static string ReplaceWords(string text, double rate, IReadOnlyList<string> pool, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(pool);
        if (!(rate >= 0 && rate <= 1)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "must be in [0, 1]");
        var words = Words(text);
        int k = TokenAttacks.EditCount(words.Count, rate);
        if (k == 0) return text;
        if (pool.Count < 2) throw new ArgumentOutOfRangeException(nameof(pool), pool.Count, "needs at least 2 words to draw from");
        var rng = new SamplerRng(seed);
        var replacement = new string?[words.Count];
        foreach (int i in TokenAttacks.ChoosePositions(words.Count, k, rng))
        {
            string original = text.Substring(words[i].Start, words[i].Length), word;
            // A pool of occurrences may repeat the original word: redraw, a bounded number of times.
            int tries = 0;
            do word = pool[TokenAttacks.Below(rng, pool.Count)];
            while (word == original && ++tries < 64);
            replacement[i] = word;
        }
        var output = new StringBuilder(text.Length + 16);
        int at = 0;
        for (int i = 0; i < words.Count; i++)
        {
            output.Append(text, at, words[i].Start - at);
            if (replacement[i] is { } r) output.Append(r);
            else output.Append(text, words[i].Start, words[i].Length);
            at = words[i].Start + words[i].Length;
        }
        output.Append(text, at, text.Length - at);
        return output.ToString();
    }

    /// <summary>
    /// Every whitespace-separated word occurrence of <paramref name="texts"/>, in order: a pool for
    /// <see cref="ReplaceWords"/> that draws words as often as ordinary text uses them (a uniform draw over distinct
    /// words would favour rare, long words that tokenize into many tokens).
    /// </summary>
    public static List<string> Pool(IEnumerable<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var pool = new List<string>();
        foreach (string text in texts)
            foreach (var (start, length) in Words(text))
                pool.Add(text.Substring(start, length));
        return pool;
    }

    /// <summary>The maximal runs of non-whitespace characters (start, length).</summary>
    public static List<(int Start, int Length)> Words(string text)
    {
        var words = new List<(int, int)>();
        int i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            int start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i])) i++;
            if (i > start) words.Add((start, i - start));
        }
        return words;
    }
}
