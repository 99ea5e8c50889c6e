using Spindle.Constraints.Lexing;
using Spindle.Constraints.Vocabulary;

namespace Spindle.Constraints.Parsing;

/// <summary>
/// Per lexer DFA state, the part of the token mask that does not depend on the parser: tokens whose bytes all stay
/// inside the current lexeme (the DFA takes every byte and never completes a lexeme) are allowed whatever the parse
/// stack is. What remains are the "frontier" trie nodes where a lexeme would end; only their subtrees need the parser.
/// Inside a JSON string that turns a walk over every trie node into a 4 KB copy plus a few hundred parser steps.
/// One cache per (grammar, vocabulary trie), shared by all sequences; thread-safe, entries built on first use.
/// </summary>
public sealed class LexerTokenCache
{
    /// <summary>Memory for cached masks (one bit per token per state); states past it fall back to the full walk.</summary>
    public const long MaxMaskBytes = 32L << 20;

    private readonly int _maxEntries;

    internal sealed class Entry(ulong[] mask, int[] frontierNodes, int[] frontierLex)
    {
        public readonly ulong[] Mask = mask;
        public readonly int[] FrontierNodes = frontierNodes;
        public readonly int[] FrontierLex = frontierLex; // lexer state at the frontier node's parent
    }

    private readonly LexerDfa _lexer;
    private readonly TokenTrie _trie;
    private readonly Lock _lock = new();
    private Entry?[] _entries = new Entry?[64];
    private int _count;

    internal LexerTokenCache(LexerDfa lexer, TokenTrie trie)
    {
        _lexer = lexer;
        _trie = trie;
        _maxEntries = (int)Math.Clamp(MaxMaskBytes / Math.Max(8, (trie.Vocabulary.TokenCount + 7) / 8), 16, 1 << 20);
    }

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

    private Entry Build(int lexState)
    {
        var nodeBytes = _trie.NodeBytes;
        var depths = _trie.NodeDepths;
        var subtreeEnds = _trie.SubtreeEnds;
        var tokenStarts = _trie.TokenStarts;
        var tokens = _trie.Tokens;
        var mask = new ulong[(_trie.Vocabulary.TokenCount + 63) >> 6];
        var frontierNodes = new List<int>();
        var frontierLex = new List<int>();
        var walkLex = new int[_trie.MaxDepth + 1];
        walkLex[0] = lexState;
        for (int node = 1; node < nodeBytes.Length;)
        {
            int parentLex = walkLex[depths[node] - 1];
            int next = _lexer.StepEncoded(parentLex, nodeBytes[node]);
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
                node = subtreeEnds[node];
                continue;
            }
            walkLex[depths[node]] = next >> LexerDfa.FlagBits;
            for (int t = tokenStarts[node], end = tokenStarts[node + 1]; t < end; t++)
                mask[tokens[t] >> 6] |= 1UL << (tokens[t] & 63);
            node++;
        }
        return new Entry(mask, [.. frontierNodes], [.. frontierLex]);
    }
}
