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
/// Rule 0 of the flattened grammar is an added start rule S' ::= S whose completion means "accepting". Rules of
/// <see cref="Grammar.AnyOrderRules"/> get their productions on first prediction (<see cref="Materialize"/>).
/// </remarks>
public sealed class CompiledGrammar
{
    internal const int EndMarker = int.MinValue;

    /// <summary>Bound on positions added by lazily materialized rules (keeps a long-lived shared grammar bounded).</summary>
    public const int MaxLazyPositions = 4_000_000;

    internal readonly int AcceptPosition; // S' ::= S • (position of the end marker)

    private readonly Lock _startLock = new();
    private readonly Dictionary<int[], int> _startStates = new(LexemeSetComparer.Instance);

    private ProductionTables _tables;
    private readonly Lock _materializeLock = new();
    private readonly Dictionary<int, AnyOrderState> _lazyStates = [];
    private readonly Dictionary<string, int> _lazyRuleByKey = new(StringComparer.Ordinal);
    private readonly int _initialPositions;

    /// <summary>
    /// A lazily materialized rule: the rest of an any-order object after the members in <see cref="Seen"/> and
    /// <see cref="Count"/> members in all (extras included), counted only up to the family's larger count bound.
    /// </summary>
    private sealed record AnyOrderState(int Family, ulong[] Seen, int Count)
    {
        public bool Started => Count > 0;
    }

    // Counting beyond the larger bound (at least 1, for the separator) distinguishes nothing and would multiply states.
    private static int CountCap(AnyOrderMembers family) => Math.Max(1, Math.Max(family.MinCount, family.MaxCount));

    public CompiledGrammar(Grammar grammar, int maxLexerStates = LexerDfa.DefaultMaxStates)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        Grammar = grammar;
        var regexes = new RegexNode[grammar.Lexemes.Count];
        var excepts = new RegexNode?[grammar.Lexemes.Count];
        for (int i = 0; i < regexes.Length; i++) (regexes[i], excepts[i]) = (grammar.Lexemes[i].Regex, grammar.Lexemes[i].Except);
        Nfa = new LexemeNfa(regexes, excepts);
        Lexer = new LexerDfa(Nfa, maxLexerStates);

        int ruleCount = grammar.Rules.Count + 1;
        for (int f = 0; f < grammar.AnyOrderRules.Count; f++)
        {
            var family = grammar.AnyOrderRules[f];
            var state = new AnyOrderState(f, new ulong[(family.Members.Count + 63) / 64], 0);
            _lazyStates[family.EntryRule + 1] = state;
            _lazyRuleByKey[KeyOf(state)] = family.EntryRule + 1;
        }
        var symbols = new List<int>();
        var positionRule = new List<int>();
        var productionStarts = new List<int>();
        var ruleStart = new int[ruleCount];
        var ruleEnd = new int[ruleCount];
        for (int r = 0; r < ruleCount; r++)
        {
            if (_lazyStates.ContainsKey(r)) { ruleStart[r] = ruleEnd[r] = -1; continue; }
            ruleStart[r] = productionStarts.Count;
            IEnumerable<GrammarSymbol[]> alternatives = r == 0
                ? [[GrammarSymbol.Rule(grammar.StartRule)]]
                : grammar.Rules[r - 1].Alternatives;
            foreach (var alt in alternatives)
            {
                productionStarts.Add(symbols.Count);
                foreach (var s in alt)
                {
                    symbols.Add(ToFlat(s));
                    positionRule.Add(r);
                }
                symbols.Add(EndMarker);
                positionRule.Add(r);
            }
            ruleEnd[r] = productionStarts.Count;
        }
        AcceptPosition = 1;
        _initialPositions = symbols.Count;
        _tables = new ProductionTables([.. symbols], [.. positionRule], ruleStart, ruleEnd, [.. productionStarts],
            ComputeNullable([.. symbols], ruleStart, ruleEnd, [.. productionStarts]));
    }

    public Grammar Grammar { get; }
    internal LexemeNfa Nfa { get; }
    public LexerDfa Lexer { get; }

    /// <summary>The newest production snapshot (grows when lazy rules are materialized).</summary>
    internal ProductionTables Tables => Volatile.Read(ref _tables);

    public int RuleCount => Tables.RuleCount;
    public int PositionCount => Tables.PositionCount;

    private static int ToFlat(GrammarSymbol s) => s.IsLexeme ? ~s.Index : s.Index + 1;

    /// <summary>Lazy rules are never nullable: every any-order object ends with its closing lexeme.</summary>
    private static bool[] ComputeNullable(int[] symbols, int[] ruleStart, int[] ruleEnd, int[] productionStarts)
    {
        var productionRule = new List<int>();
        var needs = new List<int[]>();
        var ruleSymbols = new List<int>();
        for (int r = 0; r < ruleStart.Length; r++)
        {
            if (ruleStart[r] < 0) continue;
            for (int p = ruleStart[r]; p < ruleEnd[r]; p++)
            {
                ruleSymbols.Clear();
                bool lexeme = false;
                for (int pos = productionStarts[p]; symbols[pos] != EndMarker; pos++)
                {
                    if (symbols[pos] < 0) { lexeme = true; break; }
                    ruleSymbols.Add(symbols[pos]);
                }
                if (lexeme) continue; // lexemes never match the empty string
                productionRule.Add(r);
                needs.Add([.. ruleSymbols]);
            }
        }
        return new RuleFixedPoint(ruleStart.Length, productionRule, needs).Holds;
    }

    /// <summary>
    /// A snapshot in which <paramref name="rule"/> has its productions, materializing them if no snapshot has yet.
    /// Thread-safe: sequences on many threads share the grammar; older snapshots stay valid for their holders.
    /// </summary>
    internal ProductionTables Materialize(int rule)
    {
        lock (_materializeLock)
        {
            var t = _tables;
            if (t.RuleStart[rule] >= 0) return t;
            var state = _lazyStates[rule];
            var family = Grammar.AnyOrderRules[state.Family];
            int sep = ToFlat(family.Separator);
            var productions = new List<int[]>();
            var newRules = new List<int>();
            if (RequiredSeen(family, state.Seen) && state.Count >= family.MinCount) productions.Add([ToFlat(family.Close)]);
            bool full = family.MaxCount >= 0 && state.Count >= family.MaxCount;
            int nextCount = Math.Min(state.Count + 1, CountCap(family));
            for (int k = 0; k < family.Members.Count && !full; k++)
            {
                if ((state.Seen[k >> 6] & (1UL << k)) != 0) continue;
                var seen = (ulong[])state.Seen.Clone();
                seen[k >> 6] |= 1UL << k;
                int next = LazyRule(new AnyOrderState(state.Family, seen, nextCount), t.RuleCount, newRules);
                int member = ToFlat(family.Members[k]);
                productions.Add(state.Started ? [sep, member, next] : [member, next]);
            }
            if (family.Extra is { } extra && !full)
            {
                int next = LazyRule(state with { Count = nextCount }, t.RuleCount, newRules);
                productions.Add(state.Started ? [sep, ToFlat(extra), next] : [ToFlat(extra), next]);
            }

            int added = 0;
            foreach (var p in productions) added += p.Length + 1;
            if (t.PositionCount + added - _initialPositions > MaxLazyPositions)
                throw new GrammarException($"objects with members in any order materialized more than {MaxLazyPositions:N0} grammar positions");
            int ruleCount = t.RuleCount + newRules.Count;
            var symbols = new int[t.PositionCount + added];
            var positionRule = new int[symbols.Length];
            var productionStarts = new int[t.ProductionStarts.Length + productions.Count];
            t.Symbols.CopyTo(symbols, 0);
            t.PositionRule.CopyTo(positionRule, 0);
            t.ProductionStarts.CopyTo(productionStarts, 0);
            var ruleStart = new int[ruleCount];
            var ruleEnd = new int[ruleCount];
            var nullable = new bool[ruleCount];
            t.RuleStart.CopyTo(ruleStart, 0);
            t.RuleEnd.CopyTo(ruleEnd, 0);
            t.Nullable.CopyTo(nullable, 0);
            for (int r = t.RuleCount; r < ruleCount; r++) ruleStart[r] = ruleEnd[r] = -1;
            int pos = t.PositionCount, prod = t.ProductionStarts.Length;
            ruleStart[rule] = prod;
            foreach (var p in productions)
            {
                productionStarts[prod++] = pos;
                foreach (int s in p) { symbols[pos] = s; positionRule[pos++] = rule; }
                symbols[pos] = EndMarker;
                positionRule[pos++] = rule;
            }
            ruleEnd[rule] = prod;
            var published = new ProductionTables(symbols, positionRule, ruleStart, ruleEnd, productionStarts, nullable);
            Volatile.Write(ref _tables, published);
            return published;
        }
    }

    private static bool RequiredSeen(AnyOrderMembers family, ulong[] seen)
    {
        for (int k = 0; k < family.Required.Count; k++)
            if (family.Required[k] && (seen[k >> 6] & (1UL << k)) == 0) return false;
        return true;
    }

    /// <summary>The rule id of <paramref name="state"/>, allocated (unmaterialized) on first reference.</summary>
    private int LazyRule(AnyOrderState state, int firstNew, List<int> newRules)
    {
        string key = KeyOf(state);
        if (_lazyRuleByKey.TryGetValue(key, out int id)) return id;
        id = firstNew + newRules.Count;
        newRules.Add(id);
        _lazyRuleByKey[key] = id;
        _lazyStates[id] = state;
        return id;
    }

    private static string KeyOf(AnyOrderState state)
    {
        var sb = new System.Text.StringBuilder();
        sb.Append(state.Family).Append('#').Append(state.Count).Append(':');
        foreach (ulong w in state.Seen) sb.Append(w.ToString("x")).Append('.');
        return sb.ToString();
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
