using Spindle.Constraints.Lexing;
using Spindle.Constraints.Vocabulary;

namespace Spindle.Constraints.Parsing;

/// <summary>
/// Per lexer DFA state, the part of the token mask that does not depend on the parser: tokens whose bytes all stay
/// inside the current lexeme (the DFA takes every byte and never completes a lexeme) are allowed whatever the parse
/// stack is. What remains are the "frontier" trie nodes where a lexeme would end; only their subtrees need the parser.
/// Inside a JSON string that turns a walk over every trie node into a mask copy plus a few hundred parser steps. A
/// build itself starts from the vocabulary's free-text slice when the state takes free text (<see cref="FreeTextReach"/>),
/// so it walks only the tokens outside the slice. One cache per (grammar, vocabulary trie), shared by all sequences; thread-safe, entries built on first use.
/// </summary>
public sealed class LexerTokenCache
{
    /// <summary>Memory for cached masks (one bit per token per state); states past it fall back to the full walk.</summary>
    public const long MaxMaskBytes = 32L << 20;

    private readonly int _maxEntries;

    /// <summary>Smallest subtree (in trie nodes) at which Build looks up a new state's self-loop bytes.</summary>
    private const int LoopCheckMinSubtree = 64;

    /// <summary>High-word bits of the <see cref="TokenTrie.ByteGroup"/>s of bytes 0x80–0xFF (groups 97–100).</summary>
    private const ulong NonAsciiGroups = 0xFUL << (97 - 64);

    internal sealed class Entry(ulong[] mask, int[] frontierNodes, int[] frontierLex)
    {
        public readonly ulong[] Mask = mask;
        public readonly int[] FrontierNodes = frontierNodes;
        public readonly int[] FrontierLex = frontierLex; // lexer state at the frontier node's parent
    }

    private readonly LexerDfa _lexer;
    private readonly TokenTrie _trie;
    private readonly FreeTextReach _freeText;
    private readonly Lock _lock = new();
    private Entry?[] _entries = new Entry?[64];
    private int _count;

    internal LexerTokenCache(LexerDfa lexer, TokenTrie trie)
    {
        _lexer = lexer;
        _trie = trie;
        _maxEntries = (int)Math.Clamp(MaxMaskBytes / Math.Max(8, (trie.Vocabulary.TokenCount + 7) / 8), 16, 1 << 20);
        _freeText = new FreeTextReach(lexer, trie.MaxDepth);
    }

    /// <summary><see cref="TokenTrie.ByteGroup"/>s of the printable ASCII slice bytes (all but the quote and the backslash), as (bits 0–63, 64–100).</summary>
    private const ulong SliceLowGroups = ~((1UL << ('"' - 0x20)) | (1UL << ('\\' - 0x20))), SliceHighGroups = (1UL << 32) - 1;

    public int Count => Volatile.Read(ref _count);

    internal TokenTrie Trie => _trie;

    /// <summary>The entry for <paramref name="lexState"/>, or null when the cache is full.</summary>
    internal Entry? Get(int lexState)
    {
        var entries = Volatile.Read(ref _entries);
        if (lexState < entries.Length && Volatile.Read(ref entries[lexState]) is { } hit) return hit;
        if (Volatile.Read(ref _count) >= _maxEntries) return null;
        var entry = Build(lexState);
        lock (_lock)
        {
            if (lexState >= _entries.Length)
            {
                var grown = new Entry?[Math.Max(lexState + 1, _entries.Length * 2)];
                _entries.CopyTo(grown, 0);
                Volatile.Write(ref _entries, grown);
            }
            if (_entries[lexState] is { } raced) return raced;
            Volatile.Write(ref _entries[lexState], entry);
            _count++;
            return entry;
        }
    }

    /// <summary>
    /// Walks the trie from <paramref name="lexState"/> with the lexer alone: the tokens that stay inside the lexeme, and
    /// the frontier nodes where it would end.
    /// </summary>
    private Entry Build(int lexState)
    {
        var subtreeMaxDepths = _trie.SubtreeMaxDepths;
        var nodeBytes = _trie.NodeBytes;
        var depths = _trie.NodeDepths;
        var subtreeEnds = _trie.SubtreeEnds;
        var tokenStarts = _trie.TokenStarts;
        var tokens = _trie.Tokens;
        var subtreeGroups = _trie.SubtreeByteGroups;
        var utf8Flags = _trie.Utf8Flags;
        // Free text the state surely takes is allowed wholesale from the precomputed slice; the walk then only
        // descends into subtrees that hold other tokens or longer ones. When the state's reach is unbounded (or the
        // search for it stopped early without a bad step) the walk is optimistic: it starts from every slice token and
        // clears the ones it rules out, so a state that allows nearly all text costs a walk of the rest, not a bit set
        // per allowed token.
        var reach = _freeText.Of(lexState);
        int freeDepth = reach.Depth;
        bool optimistic = freeDepth > 0 && (reach.Open || freeDepth >= _trie.MaxDepth);
        var slice = _trie.FreeText;
        var subtreeInSlice = slice.SubtreeInSlice;
        var pathInSlice = slice.PathInSlice;
        var skipSiblings = slice.SkipSiblings;
        bool unboundedFree = freeDepth >= _trie.MaxDepth;
        ulong[] mask;
        if (freeDepth > 0) mask = (ulong[])slice.MaskUpTo(optimistic ? _trie.MaxDepth : freeDepth).Clone();
        else mask = new ulong[(_trie.Vocabulary.TokenCount + 63) >> 6];
        var frontierNodes = new List<int>();
        var frontierLex = new List<int>();
        var walkLex = new int[_trie.MaxDepth + 1];
        walkLex[0] = lexState;
        // Self-loop groups of the state last looked up (strings: the state after the first content byte, which then
        // loops). States already looked up (by any Build) are used at every node; a new one is looked up only at a
        // subtree big enough to repay the 256 steps.
        var loops = Volatile.Read(ref _loops);
        int[] table = _lexer.Table;
        byte[] classes = _lexer.Classes;
        int classCount = _lexer.ClassCount;
        int loopState = -1;
        ulong loopLow = 0, loopHigh = 0;
        bool loopUtf8 = false;
        for (int node = 1; node < nodeBytes.Length;)
        {
            if (freeDepth > 0 && subtreeInSlice[node] && subtreeMaxDepths[node] <= freeDepth)
            {
                node = unboundedFree ? skipSiblings[node] : subtreeEnds[node];
                continue;
            }
            int parentLex = walkLex[depths[node] - 1];
            if (parentLex != loopState)
            {
                var loop = parentLex < loops.Length ? Volatile.Read(ref loops[parentLex]) : null;
                if (loop is null && subtreeEnds[node] - node >= LoopCheckMinSubtree)
                {
                    loop = LookUpLoop(parentLex);
                    loops = Volatile.Read(ref _loops);
                    table = _lexer.Table; // the lookup may have added states
                }
                if (loop is not null) (loopState, loopLow, loopHigh, loopUtf8) = (parentLex, loop.Low, loop.High, loop.Utf8);
            }
            // Optimistic: under a state that loops on all free text, the slice tokens are already in the mask.
            if (optimistic && subtreeInSlice[node] && parentLex == loopState && loopUtf8
                && (loopLow & SliceLowGroups) == SliceLowGroups && (loopHigh & SliceHighGroups) == SliceHighGroups)
            {
                node = skipSiblings[node];
                continue;
            }
            // A subtree made only of bytes on which the state loops stays in that state throughout: all its tokens are
            // allowed and none of its nodes is a frontier. If the state also passes every well-formed non-ASCII
            // character back to itself, a subtree of well-formed UTF-8 that starts on a character boundary only needs
            // its ASCII bytes (and controls) to loop.
            if (parentLex == loopState && (loopLow | loopHigh) != 0 && (subtreeGroups[2 * node] & ~loopLow) == 0
                && ((subtreeGroups[2 * node + 1] & ~loopHigh) == 0
                    || (loopUtf8 && utf8Flags[node] == (TokenTrie.Utf8StartsCharacter | TokenTrie.Utf8SubtreeWellFormed)
                        && (subtreeGroups[2 * node + 1] & ~(loopHigh | NonAsciiGroups)) == 0)))
            {
                int subtreeEnd = subtreeEnds[node];
                for (int t = tokenStarts[node], end = tokenStarts[subtreeEnd]; t < end; t++)
                    mask[tokens[t] >> 6] |= 1UL << (tokens[t] & 63);
                node = subtreeEnd;
                continue;
            }
            int next = table[parentLex * classCount + classes[nodeBytes[node]]];
            if (next == LexerDfa.UnknownTransition)
            {
                next = _lexer.StepEncoded(parentLex, nodeBytes[node]);
                table = _lexer.Table;
            }
            bool ends = next < 0
                ? _lexer.IsAccepting(parentLex)
                : (next & (LexerDfa.FlagAccepting | LexerDfa.FlagCanExtend)) == LexerDfa.FlagAccepting;
            if (next < 0 || ends)
            {
                if (ends)
                {
                    frontierNodes.Add(node);
                    frontierLex.Add(parentLex);
                }
                int subtreeEnd = subtreeEnds[node];
                if (optimistic && pathInSlice[node])
                    for (int t = tokenStarts[node], end = tokenStarts[subtreeEnd]; t < end; t++)
                        mask[tokens[t] >> 6] &= ~(1UL << (tokens[t] & 63));
                node = subtreeEnd;
                continue;
            }
            walkLex[depths[node]] = next >> LexerDfa.FlagBits;
            for (int t = tokenStarts[node], end = tokenStarts[node + 1]; t < end; t++)
                mask[tokens[t] >> 6] |= 1UL << (tokens[t] & 63);
            node++;
        }
        return new Entry(mask, [.. frontierNodes], [.. frontierLex]);
    }

    /// <summary>Self-loop groups of one lexer state and whether it passes well-formed non-ASCII characters back to itself.</summary>
    private sealed record LoopInfo(ulong Low, ulong High, bool Utf8);

    private LoopInfo?[] _loops = new LoopInfo?[64];

    private LoopInfo LookUpLoop(int lexState)
    {
        var (low, high) = SelfLoopGroups(lexState);
        var info = new LoopInfo(low, high, (low | high) != 0 && IsUtf8Transparent(lexState));
        lock (_lock)
        {
            if (lexState >= _loops.Length)
            {
                var grown = new LoopInfo?[Math.Max(lexState + 1, _loops.Length * 2)];
                _loops.CopyTo(grown, 0);
                Volatile.Write(ref _loops, grown);
            }
            Volatile.Write(ref _loops[lexState], info);
        }
        return info;
    }

    /// <summary>
    /// The <see cref="TokenTrie.ByteGroup"/>s all of whose bytes lead from <paramref name="lexState"/> back to itself,
    /// as (bits 0–63, bits 64–100).
    /// </summary>
    internal (ulong Low, ulong High) SelfLoopGroups(int lexState)
    {
        // Only bytes that start some token are stepped (a DFA state is at most one of those bytes away from a state the
        // walk visits); a byte that starts no token leaves its group out, which is conservative.
        Span<bool> present = stackalloc bool[256];
        var nodeBytes = _trie.NodeBytes;
        var subtreeEnds = _trie.SubtreeEnds;
        for (int child = 1; child < nodeBytes.Length; child = subtreeEnds[child]) present[nodeBytes[child]] = true;
        Span<bool> broken = stackalloc bool[TokenTrie.ByteGroupCount];
        for (int b = 0; b < 256; b++)
        {
            int group = TokenTrie.ByteGroup((byte)b);
            if (broken[group]) continue;
            int next = present[b] ? _lexer.StepEncoded(lexState, (byte)b) : -1;
            if (next < 0 || next >> LexerDfa.FlagBits != lexState) broken[group] = true;
        }
        ulong low = 0, high = 0;
        for (int g = 0; g < TokenTrie.ByteGroupCount; g++)
        {
            if (broken[g]) continue;
            if (g < 64) low |= 1UL << g;
            else high |= 1UL << (g - 64);
        }
        return (low, high);
    }

    /// <summary>
    /// Whether every well-formed non-ASCII UTF-8 character leads from <paramref name="lexState"/> back to it, through
    /// states that are alive and do not end the lexeme (so a cut-short last character is allowed too). Explores the
    /// product of the DFA and <see cref="Utf8Prefix"/>, deduplicated, so it costs a few hundred steps, not one per
    /// code point.
    /// </summary>
    internal bool IsUtf8Transparent(int lexState)
    {
        var seen = new HashSet<long>();
        var pending = new Stack<(int Lex, int Utf8)>();
        for (int lead = 0xC2; lead <= 0xF4; lead++)
            if (!Visit(lexState, (byte)lead, Utf8Prefix.Boundary)) return false;
        while (pending.Count > 0)
        {
            var (lex, utf8) = pending.Pop();
            for (int b = Utf8Prefix.Low(utf8); b <= Utf8Prefix.High(utf8); b++)
                if (!Visit(lex, (byte)b, utf8)) return false;
        }
        return true;

        bool Visit(int lex, byte value, int utf8)
        {
            int next = _lexer.StepEncoded(lex, value);
            if (next < 0 || (next & (LexerDfa.FlagAccepting | LexerDfa.FlagCanExtend)) == LexerDfa.FlagAccepting) return false;
            int nextLex = next >> LexerDfa.FlagBits;
            int nextUtf8 = Utf8Prefix.Step(utf8, value);
            if (nextUtf8 == Utf8Prefix.Boundary) return nextLex == lexState;
            if (seen.Add((long)nextLex << 32 | (uint)nextUtf8)) pending.Push((nextLex, nextUtf8));
            return true;
        }
    }
}
