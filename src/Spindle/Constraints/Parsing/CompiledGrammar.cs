using Spindle.Constraints.Grammars;
using Spindle.Constraints.Lexing;

namespace Spindle.Constraints.Parsing;

/// <summary>
/// A <see cref="Grammar"/> flattened for the Earley parser plus its lazily built lexer DFA. Independent of any vocabulary,
/// immutable apart from the thread-safe lazy caches, and shared by every sequence that uses the grammar.
/// </summary>
/// <remarks>
/// Productions are laid out in one array of symbols, each production followed by an end marker, so an Earley item's
/// "dotted production" is a single index (position) into that array. Rule ids are ≥ 0; lexeme ids are stored as ~id.
/// Rule 0 of the flattened grammar is an added start rule S' ::= S whose completion means "accepting".
/// </remarks>
public sealed class CompiledGrammar
{
    internal const int EndMarker = int.MinValue;

    internal readonly int[] Symbols;       // per position: rule id, ~lexeme id, or EndMarker
    internal readonly int[] PositionRule;  // per position: the rule (lhs) its production belongs to
    internal readonly int[] RuleProductionStart; // rule r's productions start at ProductionStarts[RuleProductionStart[r] .. [r+1])
    internal readonly int[] ProductionStarts;
    internal readonly bool[] Nullable;
    internal readonly int AcceptPosition; // S' ::= S • (position of the end marker)

    private readonly Lock _startLock = new();
    private readonly Dictionary<int[], int> _startStates = new(LexemeSetComparer.Instance);

    public CompiledGrammar(Grammar grammar, int maxLexerStates = LexerDfa.DefaultMaxStates)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        Grammar = grammar;
        var regexes = new RegexNode[grammar.Lexemes.Count];
        for (int i = 0; i < regexes.Length; i++) regexes[i] = grammar.Lexemes[i].Regex;
        Nfa = new LexemeNfa(regexes);
        Lexer = new LexerDfa(Nfa, maxLexerStates);

        int ruleCount = grammar.Rules.Count + 1;
        var symbols = new List<int>();
        var positionRule = new List<int>();
        var productionStarts = new List<int>();
        RuleProductionStart = new int[ruleCount + 1];
        for (int r = 0; r < ruleCount; r++)
        {
            RuleProductionStart[r] = productionStarts.Count;
            IEnumerable<GrammarSymbol[]> alternatives = r == 0
                ? [[GrammarSymbol.Rule(grammar.StartRule)]]
                : grammar.Rules[r - 1].Alternatives;
            foreach (var alt in alternatives)
            {
                productionStarts.Add(symbols.Count);
                foreach (var s in alt)
                {
                    symbols.Add(s.IsLexeme ? ~s.Index : s.Index + 1);
                    positionRule.Add(r);
                }
                symbols.Add(EndMarker);
                positionRule.Add(r);
            }
        }
        RuleProductionStart[ruleCount] = productionStarts.Count;
        Symbols = [.. symbols];
        PositionRule = [.. positionRule];
        ProductionStarts = [.. productionStarts];
        AcceptPosition = 1;
        RuleCount = ruleCount;
        Nullable = ComputeNullable();
    }

    public Grammar Grammar { get; }
    internal LexemeNfa Nfa { get; }
    public LexerDfa Lexer { get; }
    public int RuleCount { get; }
    public int PositionCount => Symbols.Length;

    private bool[] ComputeNullable()
    {
        var nullable = new bool[RuleCount];
        for (bool changed = true; changed;)
        {
            changed = false;
            for (int r = 0; r < RuleCount; r++)
            {
                if (nullable[r]) continue;
                for (int p = RuleProductionStart[r]; p < RuleProductionStart[r + 1]; p++)
                {
                    bool all = true;
                    for (int pos = ProductionStarts[p]; Symbols[pos] != EndMarker; pos++)
                        if (Symbols[pos] < 0 || !nullable[Symbols[pos]]) { all = false; break; }
                    if (all) { nullable[r] = true; changed = true; break; }
                }
            }
        }
        return nullable;
    }

    private readonly Lock _tokenCacheLock = new();
    private readonly List<LexerTokenCache> _tokenCaches = [];

    /// <summary>The shared parser-independent mask cache for this grammar on <paramref name="trie"/>.</summary>
    public LexerTokenCache TokenCacheFor(Spindle.Constraints.Vocabulary.TokenTrie trie)
    {
        lock (_tokenCacheLock)
        {
            foreach (var cache in _tokenCaches)
                if (cache.Trie == trie) return cache;
            var created = new LexerTokenCache(Lexer, trie);
            _tokenCaches.Add(created);
            return created;
        }
    }

    /// <summary>The lexer start state for a sorted set of allowed lexemes, cached per distinct set (no allocation on a hit).</summary>
    internal int LexerStartState(ReadOnlySpan<int> lexemes)
    {
        lock (_startLock)
        {
            var lookup = _startStates.GetAlternateLookup<ReadOnlySpan<int>>();
            if (lookup.TryGetValue(lexemes, out int state)) return state;
            state = Lexer.StartState(lexemes);
            _startStates[lexemes.ToArray()] = state;
            return state;
        }
    }

    private sealed class LexemeSetComparer : IEqualityComparer<int[]>, IAlternateEqualityComparer<ReadOnlySpan<int>, int[]>
    {
        public static readonly LexemeSetComparer Instance = new();
        public bool Equals(int[]? x, int[]? y) => x.AsSpan().SequenceEqual(y);
        public int GetHashCode(int[] obj) => Hash(obj);
        public bool Equals(ReadOnlySpan<int> alternate, int[] other) => alternate.SequenceEqual(other);
        public int GetHashCode(ReadOnlySpan<int> alternate) => Hash(alternate);
        public int[] Create(ReadOnlySpan<int> alternate) => alternate.ToArray();

        private static int Hash(ReadOnlySpan<int> values)
        {
            uint h = 2166136261;
            foreach (int v in values) h = (h ^ (uint)v) * 16777619;
            return (int)h;
        }
    }
}
