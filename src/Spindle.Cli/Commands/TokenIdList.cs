using System.Globalization;

namespace Spindle.Cli.Commands;

/// <summary>
/// Token ids as users write them: "1,2,3", "1 2 3", or the "[1, 2, 3]" that `tokenize --ids` prints; `logits --tokens`
/// and `detokenize` read them the same way.
/// </summary>
internal static class TokenIdList
{
    /// <summary>Most ids one list may hold (2^24, the largest context).</summary>
    public const int MaxCount = ModelCommandOptions.MaxContextLength;

    private static readonly char[] Separators = [',', ' ', '\t', '\n', '\r', '[', ']'];

    /// <summary>The ids in <paramref name="text"/>; a word that is not a 32-bit integer is reported with <paramref name="what"/>.</summary>
    public static int[] Parse(string text, string what)
    {
        var parts = text.Split(Separators, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new CliException($"{what} holds no token ids");
        if (parts.Length > MaxCount) throw new CliException($"{what} holds {parts.Length} token ids; at most {MaxCount}");
        var ids = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out ids[i]))
                throw new CliException($"{what}: token id '{parts[i]}' is not an integer");
        }
        return ids;
    }

    /// <summary>Throws unless every id is in [0, <paramref name="vocabularySize"/>).</summary>
    public static void CheckInVocabulary(int[] ids, int vocabularySize)
    {
        foreach (int id in ids)
            if ((uint)id >= (uint)vocabularySize) throw new CliException($"token id {id} is outside the vocabulary [0, {vocabularySize})");
    }
}
