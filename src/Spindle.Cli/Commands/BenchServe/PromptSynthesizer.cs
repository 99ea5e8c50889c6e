using System.Globalization;
using System.Text;

namespace Spindle.Cli.Commands.BenchServe;

/// <summary>
/// The prompts of a run: about <c>promptTokens</c> tokens each, made of short common English words that the usual
/// tokenizers (SentencePiece llama, GPT BPE) encode as one token each with their leading space. The count is therefore
/// approximate (the request index is a few digit tokens, a BOS or a chat template adds more); the server's
/// usage.prompt_tokens is what the report shows.
/// <para>
/// Every prompt starts with its request index, so no two prompts share more than a token or two and a server's prefix
/// cache cannot hit between requests. With a shared prefix of <c>sharedPrefixTokens</c> words, prompt i instead starts
/// with prefix i mod <c>prefixCount</c> (the same text in every request that uses it) followed by the index and distinct
/// words. Everything depends only on the seed, so the same options give the same prompts on every run.
/// </para>
/// </summary>
internal sealed class PromptSynthesizer
{
    private const int SuffixPurpose = 1;
    private const int PrefixPurpose = 2;

    private static readonly string[] Words =
    [
        "the", "cat", "dog", "sun", "sky", "sea", "red", "big", "old", "new", "day", "man", "boy", "girl", "tree",
        "house", "road", "town", "bird", "fish", "ball", "book", "door", "hand", "head", "home", "king", "lake", "milk",
        "moon", "park", "rain", "ring", "rock", "room", "ship", "shop", "snow", "song", "star", "time", "water", "wind",
        "year", "blue", "green", "small", "long", "good", "fast", "warm", "cold", "dark", "light", "happy", "little",
        "walk", "run", "play", "look", "see", "went", "came", "made", "said", "found", "took", "gave", "and", "with",
        "from", "into", "over", "under", "then", "when", "after", "there", "again", "friend", "mother", "father",
        "garden", "river", "forest", "window", "apple", "bread", "table", "chair", "flower", "story", "world", "night",
    ];

    private readonly int _seed;
    private readonly int _promptTokens;
    private readonly string[] _prefixes;

    public PromptSynthesizer(int seed, int promptTokens, int sharedPrefixTokens, int prefixCount)
    {
        if (promptTokens < 1) throw new ArgumentOutOfRangeException(nameof(promptTokens));
        if (sharedPrefixTokens < 0 || sharedPrefixTokens >= promptTokens) throw new ArgumentOutOfRangeException(nameof(sharedPrefixTokens));
        if (prefixCount < 1) throw new ArgumentOutOfRangeException(nameof(prefixCount));
        _seed = seed;
        _promptTokens = promptTokens;
        SharedPrefixTokens = sharedPrefixTokens;
        _prefixes = new string[sharedPrefixTokens > 0 ? prefixCount : 0];
        for (int k = 0; k < _prefixes.Length; k++)
        {
            var text = new StringBuilder();
            var random = SplitMix64.For(seed, PrefixPurpose, k);
            AppendWords(text, ref random, sharedPrefixTokens);
            _prefixes[k] = text.ToString();
        }
    }

    public int SharedPrefixTokens { get; }

    /// <summary>How many distinct shared prefixes there are (0 without --shared-prefix).</summary>
    public int PrefixCount => _prefixes.Length;

    /// <summary>The shared prefix request <paramref name="requestIndex"/> starts with, or -1 when prompts share none.</summary>
    public int PrefixOf(int requestIndex) => _prefixes.Length == 0 ? -1 : requestIndex % _prefixes.Length;

    /// <summary>The text of shared prefix <paramref name="prefixIndex"/>.</summary>
    public string Prefix(int prefixIndex) => _prefixes[prefixIndex];

    /// <summary>The prompt of request <paramref name="requestIndex"/>: [shared prefix] index and distinct words.</summary>
    public string Prompt(int requestIndex)
    {
        var text = new StringBuilder();
        int prefix = PrefixOf(requestIndex);
        if (prefix >= 0) text.Append(_prefixes[prefix]).Append(' ');
        text.Append(requestIndex.ToString(CultureInfo.InvariantCulture));
        var random = SplitMix64.For(_seed, SuffixPurpose, requestIndex);
        // The index stands for one of the tokens.
        int distinctWords = _promptTokens - SharedPrefixTokens - 1;
        if (distinctWords > 0)
        {
            text.Append(' ');
            AppendWords(text, ref random, distinctWords);
        }
        return text.ToString();
    }

    private static void AppendWords(StringBuilder text, ref SplitMix64 random, int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (i > 0) text.Append(' ');
            text.Append(Words[random.NextBelow(Words.Length)]);
        }
    }
}
