using System.Runtime.CompilerServices;
using Spindle.Constraints.Lexing;
using Spindle.Constraints.Parsing;
using Spindle.Constraints.Vocabulary;

namespace Spindle.Constraints;

/// <summary>
/// The constraint state of one sequence: which tokens the grammar allows next. Built from a shared
/// <see cref="CompiledGrammar"/> and a shared <see cref="TokenTrie"/>; not thread-safe itself (use <see cref="Clone"/>).
/// </summary>
/// <remarks>
/// <para>Lexing is greedy, as in llguidance: bytes extend the current lexeme while the lexer DFA can take them. A lexeme
/// ends when the next byte cannot extend it (the DFA would die); then, if the bytes so far match one or more lexemes the
/// parser allows, the parser scans them and the byte starts the next lexeme. A lexeme that matches and can extend no
/// further ends at once. So "ab" never splits into "a" "b" when one allowed lexeme matches "ab". At the end of output
/// (EOS), a pending lexeme that matches is scanned, and EOS is allowed when the parse is then complete.</para>
/// <para>Special tokens are never allowed, except end-of-generation ids exactly when the grammar accepts. After an
/// end-of-generation token nothing more is allowed.</para>
/// </remarks>
public sealed class Matcher
{
    /// <summary>Longest run of forced bytes <see cref="ForcedBytes"/> computes.</summary>
    public const int MaxForcedBytes = 4096;

    private readonly CompiledGrammar _grammar;
    private readonly LexerDfa _lexer;
    private readonly TokenTrie _trie;
    private readonly IConstraintVocabulary _vocabulary;
    private readonly EarleyParser _parser;
    private readonly LexerTokenCache _tokenCache;
    private int _lexState;
    private bool _finished;

    // One checkpoint per accepted token: the state before it.
    private int[] _historySets = new int[64];
    private int[] _historyLex = new int[64];
    private bool[] _historyFinished = new bool[64];
    private int _historyCount;

    // Trie-walk stacks indexed by depth (allocated once per matcher).
    private readonly int[] _walkLex;
    private readonly int[] _walkSets;

    public Matcher(CompiledGrammar grammar, TokenTrie trie)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        ArgumentNullException.ThrowIfNull(trie);
        _grammar = grammar;
        _lexer = grammar.Lexer;
        _trie = trie;
        _vocabulary = trie.Vocabulary;
        _parser = new EarleyParser(grammar);
        _tokenCache = grammar.TokenCacheFor(trie);
        _lexState = _parser.TopLexerStart;
        _walkLex = new int[trie.MaxDepth + 1];
        _walkSets = new int[trie.MaxDepth + 1];
    }

    private Matcher(Matcher other)
    {
        _grammar = other._grammar;
        _lexer = other._lexer;
        _trie = other._trie;
        _vocabulary = other._vocabulary;
        _parser = other._parser.Clone();
        _tokenCache = other._tokenCache;
        _lexState = other._lexState;
        _finished = other._finished;
        _historySets = (int[])other._historySets.Clone();
        _historyLex = (int[])other._historyLex.Clone();
        _historyFinished = (bool[])other._historyFinished.Clone();
        _historyCount = other._historyCount;
        _walkLex = new int[other._walkLex.Length];
        _walkSets = new int[other._walkSets.Length];
    }

    /// <summary>An independent copy (for beams, speculative branches, or another thread).</summary>
    public Matcher Clone() => new(this);

    public int VocabularySize => _vocabulary.TokenCount;

    /// <summary>Tokens accepted so far (what <see cref="Rollback"/> can undo).</summary>
    public int AcceptedTokenCount => _historyCount;

    /// <summary>Whether an end-of-generation token has been accepted.</summary>
    public bool IsFinished => _finished;

    /// <summary>Whether the output so far is a complete sentence (so EOS is allowed), or EOS was accepted.</summary>
    public bool IsAccepting => _finished || CanEnd();

    /// <summary>Writes the allowed next tokens into <paramref name="destination"/> (cleared first).</summary>
    public void ComputeMask(TokenMask destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.TokenCount != _vocabulary.TokenCount)
            throw new ArgumentException($"mask has {destination.TokenCount} tokens, vocabulary {_vocabulary.TokenCount}", nameof(destination));
        destination.Clear();
        if (_finished) return;
        var words = destination.Words;
        int sets = _parser.SetCount;
        try
        {
            if (UseTokenCache && _tokenCache.Get(_lexState) is { } entry)
            {
                entry.Mask.CopyTo(words);
                var depths = _trie.NodeDepths;
                var frontier = entry.FrontierNodes;
                for (int i = 0; i < frontier.Length; i++)
                {
                    int node = frontier[i];
                    WalkTrie(words, node, _trie.SubtreeEnds[node], depths[node] - 1, entry.FrontierLex[i]);
                }
            }
            else WalkTrie(words, 1, _trie.NodeCount, 0, _lexState);
        }
        finally
        {
            // Only a lexer-size GrammarException gets here early; the sequence stays usable at its last token.
            _parser.TruncateTo(sets);
        }
        if (CanEnd())
            foreach (int id in _vocabulary.EndOfGenerationIds) destination.Set(id);
    }

    /// <summary>
    /// Depth-first walk over the token trie: each node pushes one byte through lexer (and parser at lexeme ends); a dead
    /// byte skips the node's whole subtree. State per depth lives in two int stacks, so nothing is allocated.
    /// </summary>
    /// <summary>Whether masks use the shared <see cref="LexerTokenCache"/> (off only to test it against the plain walk).</summary>
    public bool UseTokenCache { get; set; } = true;

    /// <param name="firstNode">First trie node to visit; its subtree range ends at <paramref name="endNode"/>.</param>
    /// <param name="baseDepth">Depth of <paramref name="firstNode"/>'s parent, whose lexer state is <paramref name="baseLex"/>.</param>
    private void WalkTrie(Span<ulong> words, int firstNode, int endNode, int baseDepth, int baseLex)
    {
        var nodeBytes = _trie.NodeBytes;
        var depths = _trie.NodeDepths;
        var subtreeEnds = _trie.SubtreeEnds;
        var tokenStarts = _trie.TokenStarts;
        var tokens = _trie.Tokens;
        int[] walkLex = _walkLex, walkSets = _walkSets;
        walkLex[baseDepth] = baseLex;
        walkSets[baseDepth] = _parser.SetCount;
        for (int node = firstNode; node < endNode;)
        {
            int parentDepth = depths[node] - 1;
            int lex = walkLex[parentDepth];
            int sets = walkSets[parentDepth];
            if (_parser.SetCount != sets) _parser.TruncateTo(sets);
            if (!StepByte(ref lex, nodeBytes[node]))
            {
                node = subtreeEnds[node];
                continue;
            }
            walkLex[parentDepth + 1] = lex;
            walkSets[parentDepth + 1] = _parser.SetCount;
            for (int t = tokenStarts[node], end = tokenStarts[node + 1]; t < end; t++)
            {
                int id = tokens[t];
                words[id >> 6] |= 1UL << (id & 63);
            }
            node++;
        }
        _parser.TruncateTo(walkSets[baseDepth]);
    }

    /// <summary>
    /// Pushes one byte. On success <paramref name="lex"/> is the new lexer state and the parser may hold new sets; on
    /// failure the caller restores the parser to its own checkpoint.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool StepByte(ref int lex, byte value)
    {
        int next = _lexer.StepEncoded(lex, value);
        if (next < 0)
        {
            if (!_lexer.IsAccepting(lex) || !_parser.ScanCompleted(lex, _lexer.AcceptedLexemes(lex))) return false;
            next = _lexer.StepEncoded(_parser.TopLexerStart, value);
            if (next < 0) return false;
        }
        if ((next & (LexerDfa.FlagAccepting | LexerDfa.FlagCanExtend)) == LexerDfa.FlagAccepting)
        {
            // Matched and nothing can extend it: the lexeme ends here, so the state stays canonical.
            int state = next >> LexerDfa.FlagBits;
            if (!_parser.ScanCompleted(state, _lexer.AcceptedLexemes(state))) return false;
            lex = _parser.TopLexerStart;
            return true;
        }
        lex = next >> LexerDfa.FlagBits;
        return true;
    }

    private bool CanEnd()
    {
        if (_finished) return false;
        if (_lexState == _parser.TopLexerStart) return _parser.TopAccepting;
        if (!_lexer.IsAccepting(_lexState)) return false;
        int sets = _parser.SetCount;
        bool ok = _parser.Scan(_lexer.AcceptedLexemes(_lexState)) && _parser.TopAccepting;
        _parser.TruncateTo(sets);
        return ok;
    }

    /// <summary>Consumes <paramref name="tokenId"/> if the grammar allows it; returns false (state unchanged) otherwise.</summary>
    public bool TryAccept(int tokenId)
    {
        if (_finished || (uint)tokenId >= (uint)_vocabulary.TokenCount) return false;
        if (IsEndOfGeneration(tokenId))
        {
            if (!CanEnd()) return false;
            PushHistory(_parser.SetCount, _lexState, _finished);
            _finished = true;
            return true;
        }
        if (_vocabulary.IsSpecial(tokenId)) return false;
        var bytes = _vocabulary.TokenBytes(tokenId);
        if (bytes.IsEmpty) return false;
        int sets = _parser.SetCount;
        if (!TryStepBytes(bytes, out int lex)) return false;
        PushHistory(sets, _lexState, _finished);
        _lexState = lex;
        return true;
    }

    /// <summary>Consumes raw bytes (for tests and fast-forwarding); false (state unchanged) if they are not allowed.</summary>
    public bool TryAcceptBytes(ReadOnlySpan<byte> bytes)
    {
        if (_finished) return false;
        if (!TryStepBytes(bytes, out int lex)) return false;
        _lexState = lex;
        return true;
    }

    /// <summary>Steps the lexer (and the parser at lexeme ends) over <paramref name="bytes"/>; on failure the parser is put back.</summary>
    private bool TryStepBytes(ReadOnlySpan<byte> bytes, out int lex)
    {
        int sets = _parser.SetCount;
        lex = _lexState;
        foreach (byte b in bytes)
        {
            if (!StepByte(ref lex, b))
            {
                _parser.TruncateTo(sets);
                return false;
            }
        }
        return true;
    }

    private bool IsEndOfGeneration(int tokenId)
    {
        foreach (int id in _vocabulary.EndOfGenerationIds) if (id == tokenId) return true;
        return false;
    }

    private void PushHistory(int sets, int lex, bool finished)
    {
        if (_historyCount == _historySets.Length)
        {
            Array.Resize(ref _historySets, _historyCount * 2);
            Array.Resize(ref _historyLex, _historyCount * 2);
            Array.Resize(ref _historyFinished, _historyCount * 2);
        }
        _historySets[_historyCount] = sets;
        _historyLex[_historyCount] = lex;
        _historyFinished[_historyCount] = finished;
        _historyCount++;
    }

    /// <summary>Undoes the last <paramref name="tokenCount"/> accepted tokens (speculative decoding).</summary>
    public void Rollback(int tokenCount)
    {
        if (tokenCount < 0 || tokenCount > _historyCount)
            throw new ArgumentOutOfRangeException(nameof(tokenCount), tokenCount, $"can roll back 0..{_historyCount} tokens");
        if (tokenCount == 0) return;
        int h = _historyCount - tokenCount;
        _parser.TruncateTo(_historySets[h]);
        _lexState = _historyLex[h];
        _finished = _historyFinished[h];
        _historyCount = h;
    }

    /// <summary>
    /// Bytes the grammar forces next: while exactly one byte is possible and ending is not, that byte is appended.
    /// The state is unchanged.
    /// </summary>
    public byte[] ForcedBytes()
    {
        if (_finished) return [];
        int sets = _parser.SetCount;
        int savedLex = _lexState;
        var forced = new List<byte>();
        try
        {
            while (forced.Count < MaxForcedBytes && !CanEnd())
            {
                int only = -1;
                bool several = false;
                int here = _parser.SetCount;
                for (int b = 0; b < 256 && !several; b++)
                {
                    int lex = _lexState;
                    if (StepByte(ref lex, (byte)b))
                    {
                        if (only >= 0) several = true;
                        only = b;
                    }
                    _parser.TruncateTo(here);
                }
                if (several || only < 0) break;
                int l = _lexState;
                StepByte(ref l, (byte)only);
                _lexState = l;
                forced.Add((byte)only);
            }
        }
        finally
        {
            _parser.TruncateTo(sets);
            _lexState = savedLex;
        }
        return [.. forced];
    }

    /// <summary>
    /// Tokens that spell the forced bytes, by greedy longest match over the vocabulary. The last token is left out when
    /// a longer token could also cover bytes after the forced run (the model should choose then), unless nothing but EOS
    /// can follow. The state is unchanged; accept them with <see cref="TryAccept"/>.
    /// </summary>
    public List<int> ForcedTokens()
    {
        byte[] forced = ForcedBytes();
        var result = new List<int>();
        if (forced.Length == 0) return result;
        bool complete = ForcedRunIsComplete(forced);
        int position = 0;
        while (position < forced.Length)
        {
            int node = 0, bestToken = -1, bestLength = 0;
            bool extendsPastEnd = false;
            for (int i = position; i < forced.Length; i++)
            {
                node = _trie.Child(node, forced[i]);
                if (node < 0) break;
                var ids = _trie.TokensAt(node);
                if (ids.Length > 0) { bestToken = ids[0]; bestLength = i + 1 - position; }
                if (i == forced.Length - 1 && _trie.SubtreeEnds[node] > node + 1) extendsPastEnd = true;
            }
            if (bestToken < 0) break;
            bool reachesEnd = position + bestLength == forced.Length;
            // A token that could run past the forced bytes might be the better spelling; leave that choice to the model.
            if (!complete && (reachesEnd || extendsPastEnd)) break;
            result.Add(bestToken);
            position += bestLength;
        }
        return result;
    }

    /// <summary>Whether after <paramref name="forced"/> only ending is possible (no byte continues).</summary>
    private bool ForcedRunIsComplete(byte[] forced)
    {
        int sets = _parser.SetCount;
        int lex = _lexState;
        foreach (byte b in forced) StepByte(ref lex, b);
        bool anyByte = false;
        int here = _parser.SetCount;
        for (int b = 0; b < 256 && !anyByte; b++)
        {
            int l = lex;
            anyByte = StepByte(ref l, (byte)b);
            _parser.TruncateTo(here);
        }
        _parser.TruncateTo(sets);
        return !anyByte;
    }
}
