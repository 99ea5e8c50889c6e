namespace Spindle.Constraints.Lexing;

/// <summary>
/// Bounded equivalence of lexer DFA states: two states agree up to depth d when every byte string of at most d bytes
/// (over a given byte alphabet) leads both to dead, or both to states with the same flags and accepted lexemes. A mask
/// walk cannot tell such states apart on tokens of at most d bytes, so those tokens' part of a cached mask carries over.
/// That matters for counted lexemes (strings with maxLength, {m,n} patterns): "k characters so far" is a distinct DFA
/// state for every k, yet consecutive k behave the same on all but the longest tokens.
/// </summary>
internal static class LexerStateAgreement
{
    /// <summary>
    /// The largest d ≤ <paramref name="maxDepth"/> up to which <paramref name="a"/> and <paramref name="b"/> agree over
    /// <paramref name="alphabet"/> (one byte per byte class is enough), or -1 when they differ themselves. Breadth-first,
    /// so a state pair is expanded once, at its shallowest depth; after <paramref name="maxPairs"/> pairs it stops and
    /// reports the depth checked so far (an underestimate is always safe), which also bounds the DFA states it creates.
    /// </summary>
    public static int Depth(LexerDfa dfa, int a, int b, int maxDepth, ReadOnlySpan<byte> alphabet, int maxPairs)
    {
        if (a == b) return maxDepth;
        if (!SameLabel(dfa, a, b)) return -1;
        var seen = new HashSet<long> { Key(a, b) };
        var level = new List<(int A, int B)> { (a, b) };
        var next = new List<(int A, int B)>();
        for (int depth = 1; depth <= maxDepth; depth++)
        {
            next.Clear();
            foreach (var (x, y) in level)
            {
                foreach (byte value in alphabet)
                {
                    int nx = dfa.StepEncoded(x, value), ny = dfa.StepEncoded(y, value);
                    // Encodings carry the flags, so equal encodings are one state: its futures agree trivially.
                    if (nx == ny) continue;
                    if (nx < 0 || ny < 0) return depth - 1;
                    int sx = nx >> LexerDfa.FlagBits, sy = ny >> LexerDfa.FlagBits;
                    if (!SameLabel(dfa, sx, sy)) return depth - 1;
                    if (!seen.Add(Key(sx, sy))) continue;
                    if (seen.Count > maxPairs) return depth - 1;
                    next.Add((sx, sy));
                }
            }
            if (next.Count == 0) return maxDepth;
            (level, next) = (next, level);
        }
        return maxDepth;
    }

    private static bool SameLabel(LexerDfa dfa, int x, int y) =>
        dfa.Flags(x) == dfa.Flags(y) && dfa.AcceptedLexemes(x).SequenceEqual(dfa.AcceptedLexemes(y));

    private static long Key(int x, int y) => (long)x << 32 | (uint)y;
}
