using System.Text;
using Spindle.Constraints.Vocabulary;
using Spindle.Sampling.Aligned;

namespace Spindle.Tests.Sampling.Aligned;

/// <summary>
/// Tokens "a" "b" "c" "d" and an end-of-sequence token (id 4): the smallest vocabulary where plain masking is visibly
/// biased (the paper's example shape).
/// </summary>
internal sealed class LetterVocabulary : IConstraintVocabulary
{
    public const int Eos = 4;
    private static readonly byte[][] Bytes = [[(byte)'a'], [(byte)'b'], [(byte)'c'], [(byte)'d'], []];
    private static readonly int[] EogIds = [Eos];

    public static readonly LetterVocabulary Instance = new();
    public static readonly TokenTrie Trie = new(Instance);

    public int TokenCount => 5;
    public ReadOnlySpan<byte> TokenBytes(int tokenId) => Bytes[tokenId];
    public bool IsSpecial(int tokenId) => tokenId == Eos;
    public int EosId => Eos;
    public ReadOnlySpan<int> EndOfGenerationIds => EogIds;

    public static string Spell(ReadOnlySpan<int> tokens)
    {
        var s = new StringBuilder();
        foreach (int t in tokens) s.Append(t == Eos ? "$" : ((char)('a' + t)).ToString());
        return s.ToString();
    }
}

/// <summary>
/// A deterministic LM that likes starting with "a" (0.7) although after "a" it rarely writes "c" (0.05), while "b" is
/// usually followed by a, b or c. With the grammar ac|b[abc], plain masking picks "a" 78% of the time, but only 16% of
/// the grammatical probability mass starts with "a". Prefixes not in the table get a fixed spread-out distribution.
/// </summary>
internal sealed class BiasedPrefixModel : ITokenDistribution
{
    private static readonly Dictionary<string, double[]> Table = new()
    {
        [""] = [0.70, 0.20, 0.05, 0.05, 0.00],
        ["a"] = [0.30, 0.30, 0.05, 0.30, 0.05],
        ["b"] = [0.30, 0.30, 0.30, 0.05, 0.05],
    };

    private static readonly double[] AfterTwo = [0.02, 0.03, 0.02, 0.03, 0.90];
    private static readonly double[] Otherwise = [0.25, 0.25, 0.20, 0.20, 0.10];

    public int CallCount { get; private set; }

    public int VocabularySize => LetterVocabulary.Instance.TokenCount;

    public void GetLogits(ReadOnlySpan<int> prefix, Span<float> destination)
    {
        CallCount++;
        string key = LetterVocabulary.Spell(prefix);
        double[] p = Table.TryGetValue(key, out var row) ? row : prefix.Length == 2 ? AfterTwo : Otherwise;
        for (int i = 0; i < p.Length; i++) destination[i] = p[i] > 0 ? (float)Math.Log(p[i]) : float.NegativeInfinity;
    }
}
