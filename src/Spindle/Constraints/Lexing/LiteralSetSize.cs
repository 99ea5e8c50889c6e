using System.Text;

namespace Spindle.Constraints.Lexing;

/// <summary>
/// Size limits for a set of literals compiled as one lexeme (a choice list, a JSON Schema enum), checked before any
/// regex node is built. The lexer's NFA takes about one state per char of every literal (it does not share prefixes),
/// and its lazily built DFA one state per distinct UTF-8 prefix (the trie of the literals): bounding both at compile
/// time means a set that compiles cannot run out of lexer states in the middle of generating.
/// </summary>
public static class LiteralSetSize
{
    /// <summary>Most chars over all literals: the NFA (<see cref="LexemeNfa.MaxStates"/>) could hold no more.</summary>
    public const int MaxTotalChars = LexemeNfa.MaxStates;

    /// <summary>Most distinct UTF-8 prefixes (DFA states), well inside <see cref="LexerDfa.DefaultMaxStates"/>.</summary>
    public const int MaxDistinctPrefixes = 1 << 16;

    /// <summary>Null when <paramref name="literals"/> fit; otherwise what is too large, for an error message.</summary>
    public static string? Check(IReadOnlyList<string> literals)
    {
        long chars = 0;
        foreach (string s in literals) chars += s.Length;
        if (chars > MaxTotalChars) return $"{literals.Count:N0} literals of {chars:N0} chars in all; at most {MaxTotalChars:N0} chars are supported";
        long prefixes = DistinctPrefixes(literals);
        if (prefixes > MaxDistinctPrefixes)
            return $"{literals.Count:N0} literals with {prefixes:N0} distinct prefixes (lexer states); at most {MaxDistinctPrefixes:N0} are supported";
        return null;
    }

    /// <summary>Nodes of the byte trie of the literals: sorted, each adds its bytes beyond the prefix it shares with the one before.</summary>
    public static long DistinctPrefixes(IReadOnlyList<string> literals)
    {
        var encoded = new byte[literals.Count][];
        for (int i = 0; i < encoded.Length; i++) encoded[i] = Encoding.UTF8.GetBytes(literals[i]);
        Array.Sort(encoded, static (a, b) => a.AsSpan().SequenceCompareTo(b));
        long count = 0;
        for (int i = 0; i < encoded.Length; i++)
        {
            int shared = i == 0 ? 0 : encoded[i].AsSpan().CommonPrefixLength(encoded[i - 1]);
            count += encoded[i].Length - shared;
        }
        return count;
    }
}
