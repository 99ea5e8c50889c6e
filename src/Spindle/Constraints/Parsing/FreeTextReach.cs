using Spindle.Constraints.Lexing;
using Spindle.Constraints.Vocabulary;

namespace Spindle.Constraints.Parsing;

/// <summary>
/// Per lexer state, how many bytes of <see cref="FreeTextSlice"/> text it surely takes inside the current lexeme: a d
/// such that every slice string of at most d bytes leads through states that are alive and do not end the lexeme. Then
/// every slice token of at most d bytes is allowed whatever the parser says. A state inside an unconstrained string
/// has no limit (reported as the trie's depth); "k characters so far" of a string with maxLength n has about n − k; a
/// state outside strings has 0.
/// </summary>
/// <remarks>
/// <para>A state stands for NFA states of several lexemes (an object key: each declared key's literal and the free key
/// string). Each lexeme's part is looked at alone, as its own DFA state, and the best part counts: a part that stays
/// alive and extendable keeps the whole state so. Looking at parts keeps the search small (a free string part is the
/// same state under every key set) where the whole state would explore every literal's prefixes.</para>
/// <para>The depth of a part is its distance to the nearest bad step (dead, or ending the lexeme) in the product of the
/// DFA and <see cref="Utf8Prefix"/>, stepped with one byte per (class of the lexeme's own ranges, UTF-8 state after it):
/// breadth-first, stopping at nodes whose distance is known. Every node on the shortest path gets its exact distance
/// too, so the positions of a counted string are searched once, not once each; every node of a search that runs out of
/// nodes has no limit. The search stops at <see cref="MaxLevels"/> levels or its budget and then reports an open
/// (lower-bound) reach. Thread-safe like the cache that owns it.</para>
/// </remarks>
internal sealed class FreeTextReach
{
    /// <summary>
    /// A state's reach: every slice string of at most <see cref="Depth"/> bytes is taken. When <see cref="Open"/>, the
    /// search stopped there (level cap or budget) without meeting a bad step, so the true reach may be longer; otherwise
    /// it is exact, or unbounded when it equals the trie's depth.
    /// </summary>
    internal readonly record struct Reach(int Depth, bool Open);

    /// <summary>Levels searched: tokens past this many bytes are few, and a counted string is searched this far, not to its end.</summary>
    internal const int MaxLevels = 32;

    private const int Unknown = -1;

    private readonly LexerDfa _lexer;
    private readonly int _maxDepth;
    private readonly Dictionary<int, Dictionary<int, byte[]>> _bytesByLexeme = new(); // under _lock
    private readonly Lock _lock = new();
    private Reach[] _reaches = []; // per lexer state; Depth Unknown until searched
    private readonly Dictionary<long, int> _distances = new(); // exact distances of product nodes, under _lock
    private readonly Dictionary<int, int> _partBounds = new(); // open reaches of parts whose search stopped early

    /// <summary>
    /// Search budget per part. A counted string needs about 18 nodes a level (each position, at a character boundary
    /// and inside the UTF-8 characters), so it reaches <see cref="MaxLevels"/> within the node budget; a lexeme with a
    /// big DFA (a uri or email format, a long pattern) could need thousands of states and new transitions, which would
    /// cost more than the trie walk the reach saves.
    /// </summary>
    private const int MaxNodes = 1024, MaxNewTransitions = 2048;

    internal FreeTextReach(LexerDfa lexer, int maxDepth)
    {
        _lexer = lexer;
        _maxDepth = maxDepth;
    }

    /// <summary>
    /// Per UTF-8 state, the slice bytes that may follow, one per (class, next UTF-8 state) where classes are those of
    /// <paramref name="lexeme"/>'s own ranges: a grammar's byte classes split bytes for every lexeme (90 classes are
    /// common), while a string lexeme tells apart a handful, and the search steps one byte per class.
    /// </summary>
    private Dictionary<int, byte[]> BytesByUtf8State(int lexeme)
    {
        if (_bytesByLexeme.TryGetValue(lexeme, out var known)) return known;
        var nfa = _lexer.Nfa;
        var (first, end) = nfa.StatesOf(lexeme);
        Span<bool> boundary = stackalloc bool[257];
        for (int s = first; s < end; s++)
            if (nfa.Kind[s] == LexemeNfa.KindRange && nfa.Low[s] <= nfa.High[s])
            {
                boundary[nfa.Low[s]] = true;
                boundary[nfa.High[s] + 1] = true;
            }
        Span<int> classOf = stackalloc int[256];
        for (int b = 0, c = 0; b < 256; b++)
        {
            if (boundary[b]) c++;
            classOf[b] = c;
        }
        var result = new Dictionary<int, byte[]>();
        var pending = new Stack<int>();
        pending.Push(Utf8Prefix.Boundary);
        var seen = new HashSet<long>();
        var bytes = new List<byte>();
        while (pending.Count > 0)
        {
            int utf8 = pending.Pop();
            if (result.ContainsKey(utf8)) continue;
            seen.Clear();
            bytes.Clear();
            for (int b = 0; b < 256; b++)
            {
                if (!FreeTextSlice.IsSliceByte((byte)b)) continue;
                int next = Utf8Prefix.Step(utf8, (byte)b);
                if (next == Utf8Prefix.Invalid || !seen.Add((long)classOf[b] << 32 | (uint)next)) continue;
                bytes.Add((byte)b);
                pending.Push(next);
            }
            result[utf8] = [.. bytes];
        }
        _bytesByLexeme[lexeme] = result;
        return result;
    }

    /// <summary>The reach of <paramref name="lexState"/> (the best of its lexemes' parts).</summary>
    internal Reach Of(int lexState)
    {
        var reaches = Volatile.Read(ref _reaches);
        if (lexState < reaches.Length && reaches[lexState] is { Depth: not Unknown } known) return known;
        var best = new Reach(0, false);
        var nfa = _lexer.Nfa;
        int[] set = _lexer.NfaStates(lexState);
        for (int start = 0; start < set.Length && best.Depth < _maxDepth;)
        {
            int lexeme = nfa.LexemeOf(set[start]), end = start + 1;
            while (end < set.Length && nfa.LexemeOf(set[end]) == lexeme) end++;
            if (lexeme < nfa.LexemeCount && TakesEveryFirstByte(set.AsSpan(start, end - start)))
            {
                int part = start == 0 && end == set.Length ? lexState : _lexer.StateOfSubset(set.AsSpan(start, end - start));
                var reach = PartReach(part, lexeme);
                if (reach.Depth > best.Depth || (reach.Depth == best.Depth && !reach.Open)) best = reach;
            }
            start = end;
        }
        lock (_lock)
        {
            if (lexState >= _reaches.Length)
            {
                var grown = new Reach[Math.Max(lexState + 1, _reaches.Length * 2 + 16)];
                Array.Fill(grown, new Reach(Unknown, false));
                _reaches.CopyTo(grown, 0);
                Volatile.Write(ref _reaches, grown);
            }
            _reaches[lexState] = best;
        }
        return best;
    }

    /// <summary>
    /// Whether the NFA states' ranges cover every byte that can start slice text (printable ASCII but the quote and the
    /// backslash, and the UTF-8 lead bytes): otherwise the part's depth is 0, known without making it a DFA state.
    /// </summary>
    private bool TakesEveryFirstByte(ReadOnlySpan<int> part)
    {
        var nfa = _lexer.Nfa;
        Span<bool> covered = stackalloc bool[256];
        foreach (int s in part)
            if (nfa.Kind[s] == LexemeNfa.KindRange)
                for (int b = nfa.Low[s]; b <= nfa.High[s]; b++) covered[b] = true;
        for (int b = 0x20; b <= 0xF4; b++)
            if (!covered[b] && FreeTextSlice.IsSliceByte((byte)b) && (b < 0x80 || b >= 0xC2)) return false;
        return true;
    }

    private Reach PartReach(int part, int lexeme)
    {
        lock (_lock)
        {
            var bytesByUtf8State = BytesByUtf8State(lexeme);
            if (_distances.TryGetValue(Key(part, Utf8Prefix.Boundary), out int known)) return new Reach(known, false);
            if (_partBounds.TryGetValue(part, out int bound)) return new Reach(bound, true);
            // Breadth-first; nodes[i] = (lex, utf8, index of the node it was reached from).
            var nodes = new List<(int Lex, int Utf8, int From)> { (part, Utf8Prefix.Boundary, -1) };
            var seen = new HashSet<long> { Key(part, Utf8Prefix.Boundary) };
            int best = _maxDepth, bestNode = -1, newTransitions = 0;
            int classCount = _lexer.ClassCount;
            int levelStart = 0;
            for (int level = 0; levelStart < nodes.Count && level < best; level++)
            {
                int levelEnd = nodes.Count;
                if (level == MaxLevels || levelEnd > MaxNodes || newTransitions > MaxNewTransitions)
                {
                    // Every slice string of at most `level` bytes was stepped without a bad step. A lower bound, so it
                    // is kept for this part only, never as an exact distance.
                    _partBounds[part] = level;
                    return new Reach(level, true);
                }
                for (int i = levelStart; i < levelEnd && level < best; i++)
                {
                    var (lex, utf8, _) = nodes[i];
                    if (i > 0 && _distances.TryGetValue(Key(lex, utf8), out int distance))
                    {
                        if (level + distance < best) (best, bestNode) = (level + distance, i);
                        continue;
                    }
                    int[] table = _lexer.Table;
                    foreach (byte b in bytesByUtf8State[utf8])
                    {
                        int index = lex * classCount + _lexer.ByteClassOf(b);
                        if (index >= table.Length || table[index] == LexerDfa.UnknownTransition) newTransitions++;
                        int stepped = _lexer.StepEncoded(lex, b);
                        if (stepped < 0 || (stepped & (LexerDfa.FlagAccepting | LexerDfa.FlagCanExtend)) == LexerDfa.FlagAccepting)
                        {
                            (best, bestNode) = (level, i);
                            break;
                        }
                        int nextLex = stepped >> LexerDfa.FlagBits, nextUtf8 = Utf8Prefix.Step(utf8, b);
                        if (seen.Add(Key(nextLex, nextUtf8))) nodes.Add((nextLex, nextUtf8, i));
                    }
                }
                levelStart = levelEnd;
            }
            // Every node on the path to the nearest bad step is exactly that much closer to it.
            if (bestNode >= 0)
            {
                int depthOf = 0;
                for (int i = bestNode; i > 0; i = nodes[i].From) depthOf++;
                for (int i = bestNode; i >= 0; i = nodes[i].From, depthOf--)
                    _distances[Key(nodes[i].Lex, nodes[i].Utf8)] = best - depthOf;
            }
            else
            {
                // No bad step at all: the search ran out of nodes, so every node met has no limit either.
                if (levelStart >= nodes.Count)
                    foreach (var (lex, utf8, _) in nodes) _distances[Key(lex, utf8)] = _maxDepth;
                else _distances[Key(part, Utf8Prefix.Boundary)] = best;
            }
            return new Reach(best, false);
        }
    }

    private static long Key(int lex, int utf8) => (long)lex << 32 | (uint)utf8;
}
