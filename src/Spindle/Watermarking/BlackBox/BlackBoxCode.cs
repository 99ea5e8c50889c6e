using System.Text;

namespace Spindle.Watermarking.BlackBox;

/// <summary>One word of a text: a maximal run of letters at [<see cref="Start"/>, Start + <see cref="Length"/>).</summary>
public readonly record struct TextWord(int Start, int Length, bool Scored)
{
    public int End => Start + Length;
}

/// <summary>
/// The keyed binary encoding of words shared by <see cref="BlackBoxEmbedder"/> and <see cref="BlackBoxDetector"/>.
/// <para>
/// Words are maximal runs of letters (<see cref="char.IsLetter(char)"/>); everything else separates them. A word is
/// <em>scored</em> (carries the watermark, and may be replaced) when it is at least two letters, all lower case (names
/// and sentence starts are left alone), not an English stop word (<see cref="StopWords"/>: function words carry the
/// grammar, and the paper leaves them alone too), and not glued to an apostrophe, hyphen, underscore or digit (a part of
/// "don't", "well-known" or "abc1"). The rule reads the text only, so the detector scores exactly the words the
/// embedder could have changed.
/// </para>
/// <para>
/// A word w after the word p (any word, lower-cased; none at the start) has the bit
/// b(p, w) = top bit of hash(hash(k, h(p)), h(w)), with h = FNV-1a-64 over the lower-cased UTF-8 and then SplitMix64's
/// finalizer, and k the key's domain "BLACKBOX" (<see cref="KeyedHash"/>). As in the paper, the previous word seeds
/// the bit, so one word is 0 after some words and 1 after others, and a repeated (previous, word) pair is the same coin
/// (the detector scores it once).
/// </para>
/// </summary>
public static class BlackBoxCode
{
    private const ulong Salt = 0x424C41434B424F58UL; // "BLACKBOX"

    /// <summary>The stop words: never scored, never replaced (lower case).</summary>
    public static IReadOnlySet<string> StopWords { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as", "at", "be",
        "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do",
        "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have", "having",
        "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "if", "in", "into", "is", "it",
        "its", "itself", "just", "let", "ll", "me", "might", "more", "most", "must", "my", "myself", "no", "nor",
        "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over",
        "own", "re", "same", "shall", "she", "should", "so", "some", "such", "than", "that", "the", "their",
        "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too",
        "under", "until", "up", "upon", "us", "ve", "very", "was", "we", "were", "what", "when", "where", "which",
        "while", "who", "whom", "why", "will", "with", "would", "yes", "you", "your", "yours", "yourself",
        "yourselves", "also",
    };

    /// <summary>The words of <paramref name="text"/> in order, each marked scored or not.</summary>
    public static List<TextWord> Words(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = new List<TextWord>();
        int i = 0;
        while (i < text.Length)
        {
            if (!char.IsLetter(text[i]))
            {
                i++;
                continue;
            }
            int start = i;
            while (i < text.Length && char.IsLetter(text[i])) i++;
            words.Add(new TextWord(start, i - start, IsScored(text, start, i - start)));
        }
        return words;
    }

    /// <summary>Whether the word at [start, start + length) of <paramref name="text"/> is scored (see the class summary).</summary>
    public static bool IsScored(string text, int start, int length)
    {
        if (length < 2) return false;
        for (int i = start; i < start + length; i++)
            if (!char.IsLower(text[i])) return false;
        if (start > 0 && IsGlue(text[start - 1])) return false;
        if (start + length < text.Length && IsGlue(text[start + length])) return false;
        return !StopWords.Contains(text.Substring(start, length));
    }

    /// <summary>Whether a lower-case candidate word could stand in a scored place (letters only, ≥ 2, lower case, not a stop word).</summary>
    public static bool IsScorableWord(string word)
    {
        if (word.Length < 2) return false;
        foreach (char c in word)
            if (!char.IsLetter(c) || !char.IsLower(c)) return false;
        return !StopWords.Contains(word);
    }

    /// <summary>A character that makes the letters next to it part of a larger token (apostrophe, hyphen, underscore, digit).</summary>
    public static bool IsGlue(char c) => c is '\'' or '’' or '‘' or '-' or '‐' or '_' || char.IsDigit(c);

    /// <summary>The hash of a word (lower-cased; null: no word, the text's start).</summary>
    public static ulong WordHash(string? word)
    {
        if (word is null) return 0;
        string lower = word.ToLowerInvariant();
        int byteCount = Encoding.UTF8.GetByteCount(lower);
        Span<byte> bytes = byteCount <= 256 ? stackalloc byte[byteCount] : new byte[byteCount];
        Encoding.UTF8.GetBytes(lower, bytes);
        return KeyedHash.Mix(KeyedHash.Fnv1a(bytes));
    }

    /// <summary>The state the key starts from.</summary>
    internal static ulong Domain(WatermarkKey key) => KeyedHash.Domain(key, Salt);

    /// <summary>hash(hash(k, h(p)), h(w)): its top bit is the word's bit; equal values are the same coin.</summary>
    internal static ulong Value(ulong domain, ulong previousHash, ulong wordHash) =>
        KeyedHash.Absorb(KeyedHash.Absorb(domain, previousHash), wordHash);

    /// <summary>b(previous, word) under <paramref name="key"/>.</summary>
    public static int Bit(WatermarkKey key, string? previous, string word) =>
        (int)(Value(Domain(key), WordHash(previous), WordHash(word)) >> 63);
}
