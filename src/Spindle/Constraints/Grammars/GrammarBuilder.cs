using Spindle.Constraints.Lexing;

namespace Spindle.Constraints.Grammars;

/// <summary>
/// Builds a <see cref="Grammar"/>: declare rules, add alternatives, and use the helpers for literals, regex lexemes and
/// optional / star / plus / bounded repetition (which become fresh rules). Lexemes are deduplicated by regex.
/// </summary>
public sealed class GrammarBuilder
{
    /// <summary>Bound on the number of rules (guards pathological repetition expansion).</summary>
    public const int MaxRules = 200_000;

    /// <summary>Bound on alternatives over all rules: an Earley prediction adds one item per alternative.</summary>
    public const int MaxAlternatives = 1_000_000;

    /// <summary>Bound on symbols over all alternatives (the parser's position table holds one entry per symbol).</summary>
    public const int MaxSymbols = 4_000_000;

    private int _alternativeCount, _symbolCount;
    private long _lexemeStates; // lower bound on the lexer NFA's states (RegexNode.StateCount per distinct lexeme)

    private readonly List<Lexeme> _lexemes = [];
    private readonly Dictionary<string, int> _lexemeByKey = new(StringComparer.Ordinal);
    private readonly List<string> _ruleNames = [];
    private readonly List<List<GrammarSymbol[]>> _alternatives = [];
    private readonly Dictionary<string, int> _ruleByName = new(StringComparer.Ordinal);
    // Per hint, the suffix NewRule tries first: every smaller one is taken (names are never removed), so this gives the
    // same names as probing from #1, without the quadratic probing over thousands of "seq"/"choice" rules.
    private readonly Dictionary<string, int> _nextSuffix = new(StringComparer.Ordinal);
    private readonly Dictionary<GrammarSymbol, GrammarSymbol> _optionalOf = new();
    private readonly Dictionary<GrammarSymbol, GrammarSymbol> _starOf = new();
    private readonly Dictionary<GrammarSymbol, GrammarSymbol> _plusOf = new();
    private readonly List<AnyOrderMembers> _anyOrder = [];

    /// <summary>The rule named <paramref name="name"/>, created (with no alternatives yet) on first use.</summary>
    public GrammarSymbol Rule(string name)
    {
        if (_ruleByName.TryGetValue(name, out int id)) return GrammarSymbol.Rule(id);
        return NewRule(name);
    }

    public bool HasRule(string name) => _ruleByName.ContainsKey(name);

    /// <summary>A fresh rule with a unique name derived from <paramref name="hint"/>.</summary>
    public GrammarSymbol NewRule(string hint)
    {
        if (_ruleNames.Count >= MaxRules) throw new GrammarException($"grammar exceeds {MaxRules:N0} rules");
        string name = hint;
        if (_ruleByName.ContainsKey(name))
        {
            int n = _nextSuffix.GetValueOrDefault(hint, 1);
            for (name = $"{hint}#{n}"; _ruleByName.ContainsKey(name);) name = $"{hint}#{++n}";
            _nextSuffix[hint] = n + 1;
        }
        _ruleByName[name] = _ruleNames.Count;
        _ruleNames.Add(name);
        _alternatives.Add([]);
        return GrammarSymbol.Rule(_ruleNames.Count - 1);
    }

    public void AddAlternative(GrammarSymbol rule, params GrammarSymbol[] sequence)
    {
        if (rule.IsLexeme) throw new ArgumentException("alternatives belong to rules, not lexemes", nameof(rule));
        if (++_alternativeCount > MaxAlternatives) throw new GrammarException($"grammar exceeds {MaxAlternatives:N0} alternatives");
        if ((_symbolCount += sequence.Length) > MaxSymbols) throw new GrammarException($"grammar exceeds {MaxSymbols:N0} symbols in its alternatives");
        _alternatives[rule.Index].Add(sequence);
    }

    public int RuleAlternativeCount(GrammarSymbol rule) => _alternatives[rule.Index].Count;

    /// <summary>
    /// A terminal matching <paramref name="regex"/> (but not what <paramref name="except"/> matches, when given). Lexemes
    /// never match "" (the lexer needs progress), so a nullable regex yields an optional rule around the lexeme of its
    /// non-empty part.
    /// </summary>
    public GrammarSymbol Lexeme(RegexNode regex, string? name = null, RegexNode? except = null)
    {
        var lexeme = LexemeSymbol(regex, name, except);
        return regex.IsNullable && except is not { IsNullable: true } ? Optional(lexeme) : lexeme;
    }

    private GrammarSymbol LexemeSymbol(RegexNode regex, string? name, RegexNode? except)
    {
        string key = except is null ? regex.Key : regex.Key + "\u0000except\u0000" + except.Key;
        if (_lexemeByKey.TryGetValue(key, out int id)) return GrammarSymbol.Lexeme(id);
        // Checked here, before any automaton is built: the NFA would fail past this bound anyway, after the work.
        _lexemeStates += regex.StateCount + 1 + (except is null ? 0 : except.StateCount + 2);
        if (_lexemeStates > LexemeNfa.MaxStates)
            throw new GrammarException($"the lexemes need more than {LexemeNfa.MaxStates:N0} lexer automaton states in all " +
                $"(lexeme '{Shorten(name ?? regex.Key)}' of {regex.StateCount:N0} brings them to {_lexemeStates:N0})");
        _lexemes.Add(new Lexeme(name ?? $"lexeme{_lexemes.Count}", regex, except));
        _lexemeByKey[key] = _lexemes.Count - 1;
        return GrammarSymbol.Lexeme(_lexemes.Count - 1);
    }

    public GrammarSymbol Literal(string text) => Lexeme(RegexNode.Literal(text), text);

    public GrammarSymbol Regex(string pattern) => Lexeme(RegexParser.Parse(pattern), pattern);

    public GrammarSymbol Optional(GrammarSymbol symbol)
    {
        if (_optionalOf.TryGetValue(symbol, out var existing)) return existing;
        var rule = NewRule($"{NameOf(symbol)}?");
        AddAlternative(rule);
        AddAlternative(rule, symbol);
        return _optionalOf[symbol] = rule;
    }

    /// <summary>Zero or more, as a left-recursive rule (Earley handles left recursion in constant item count).</summary>
    public GrammarSymbol Star(GrammarSymbol symbol)
    {
        if (_starOf.TryGetValue(symbol, out var existing)) return existing;
        var rule = NewRule($"{NameOf(symbol)}*");
        AddAlternative(rule);
        AddAlternative(rule, rule, symbol);
        return _starOf[symbol] = rule;
    }

    public GrammarSymbol Plus(GrammarSymbol symbol)
    {
        if (_plusOf.TryGetValue(symbol, out var existing)) return existing;
        var rule = NewRule($"{NameOf(symbol)}+");
        AddAlternative(rule, symbol);
        AddAlternative(rule, rule, symbol);
        return _plusOf[symbol] = rule;
    }

    /// <summary><paramref name="min"/> to <paramref name="max"/> copies (max -1: unbounded), in O(max) rules.</summary>
    public GrammarSymbol Repeat(GrammarSymbol symbol, int min, int max)
    {
        if (min < 0 || (max >= 0 && max < min)) throw new GrammarException($"bad repetition {{{min},{max}}}");
        if (Math.Max(min, max) > MaxRules / 2) throw new GrammarException($"repetition count {Math.Max(min, max)} is too large");
        if (min == 0 && max == 1) return Optional(symbol);
        if (min == 0 && max < 0) return Star(symbol);
        if (min == 1 && max < 0) return Plus(symbol);
        if (min == 1 && max == 1) return symbol;
        var tail = max < 0 ? Star(symbol) : Sequence();
        // Optional tail "(x (x (...)?)?)?" nests max-min levels so no extra copies are needed.
        for (int i = 0; max >= 0 && i < max - min; i++)
        {
            var level = NewRule($"{NameOf(symbol)}{{opt}}");
            AddAlternative(level);
            AddAlternative(level, symbol, tail);
            tail = level;
        }
        var items = new GrammarSymbol[min + 1];
        for (int i = 0; i < min; i++) items[i] = symbol;
        items[min] = tail;
        return Sequence(items);
    }

    /// <summary>A rule with the single alternative <paramref name="items"/> (a plain symbol when there is one item).</summary>
    public GrammarSymbol Sequence(params GrammarSymbol[] items)
    {
        if (items.Length == 1) return items[0];
        var rule = NewRule("seq");
        AddAlternative(rule, items);
        return rule;
    }

    public GrammarSymbol Choice(params GrammarSymbol[][] alternatives)
    {
        var rule = NewRule("choice");
        foreach (var alt in alternatives) AddAlternative(rule, alt);
        return rule;
    }

    /// <summary>
    /// A rule for the members of an object in any order (see <see cref="AnyOrderMembers"/>): each of
    /// <paramref name="members"/> at most once, those marked in <paramref name="required"/> at least once,
    /// <paramref name="extra"/> any number of times, then <paramref name="close"/> (a lexeme, so the rule is never empty);
    /// between <paramref name="minCount"/> and <paramref name="maxCount"/> (-1: unbounded) members in all.
    /// </summary>
    public GrammarSymbol AnyOrder(IReadOnlyList<GrammarSymbol> members, IReadOnlyList<bool> required, GrammarSymbol? extra,
        GrammarSymbol separator, GrammarSymbol close, int minCount = 0, int maxCount = -1)
    {
        if (minCount < 0 || (maxCount >= 0 && maxCount < minCount)) throw new ArgumentException("member counts out of order", nameof(maxCount));
        if (members.Count != required.Count) throw new ArgumentException("one required flag per member", nameof(required));
        if (!close.IsLexeme) throw new ArgumentException("the closing symbol must be a lexeme", nameof(close));
        var rule = NewRule("any order");
        _anyOrder.Add(new AnyOrderMembers(rule.Index, [.. members], [.. required], extra, separator, close, minCount, maxCount));
        return rule;
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";

    private string NameOf(GrammarSymbol s) => s.IsLexeme ? _lexemes[s.Index].Name : _ruleNames[s.Index];

    /// <summary>Finishes the grammar. Every rule reachable from <paramref name="start"/> must have an alternative.</summary>
    public Grammar Build(GrammarSymbol start)
    {
        if (start.IsLexeme) start = Sequence(start, Sequence());
        var lazy = new HashSet<int>();
        foreach (var family in _anyOrder) lazy.Add(family.EntryRule);
        bool[]? reachable = null; // one traversal for all undefined rules, not one per rule
        foreach (var (name, id) in _ruleByName)
            if (_alternatives[id].Count == 0 && !lazy.Contains(id) && (reachable ??= ReachableFrom(start.Index))[id])
                throw new GrammarException($"rule '{name}' is used but never defined");
        // Alternatives that need a rule which derives no finite text can never complete: drop them, so a mask never
        // allows a step into a recursion that cannot end (e.g. r ::= "(" r ")" alone).
        bool[] productive = ProductiveRules();
        if (!productive[start.Index])
            throw new GrammarException($"rule '{_ruleNames[start.Index]}' derives no finite text: every way through it needs a rule that recurses without end");
        var rules = new GrammarRule[_ruleNames.Count];
        for (int i = 0; i < rules.Length; i++)
        {
            var kept = new List<GrammarSymbol[]>(_alternatives[i].Count);
            foreach (var alt in _alternatives[i])
                if (Array.TrueForAll(alt, s => s.IsLexeme || productive[s.Index])) kept.Add(alt);
            rules[i] = new GrammarRule(_ruleNames[i], kept.ToArray());
        }
        var families = new List<AnyOrderMembers>(_anyOrder.Count);
        foreach (var family in _anyOrder) families.Add(Productive(family, productive));
        return new Grammar(_lexemes.ToArray(), rules, start.Index) { AnyOrderRules = [.. families] };
    }

    /// <summary>
    /// Per rule, whether it derives some finite text: one of its alternatives needs only such rules (lexemes always
    /// do); an any-order family when its required members and its closing lexeme do, and enough members (or extras)
    /// do to reach its least count.
    /// </summary>
    public bool[] ProductiveRules()
    {
        var productionRule = new List<int>(_alternativeCount);
        var needs = new List<int[]>(_alternativeCount);
        var ruleSymbols = new List<int>();
        for (int r = 0; r < _alternatives.Count; r++)
        {
            foreach (var alt in _alternatives[r])
            {
                ruleSymbols.Clear();
                foreach (var s in alt) if (!s.IsLexeme) ruleSymbols.Add(s.Index);
                productionRule.Add(r);
                needs.Add([.. ruleSymbols]);
            }
        }
        var closure = new RuleFixedPoint(_ruleNames.Count, productionRule, needs);
        var holds = closure.Holds;
        for (bool changed = true; changed;)
        {
            changed = false;
            foreach (var family in _anyOrder)
            {
                if (holds[family.EntryRule] || !FamilyProductive(family, holds)) continue;
                closure.Add(family.EntryRule);
                changed = true;
            }
        }
        return holds;
    }

    private static bool FamilyProductive(AnyOrderMembers family, bool[] productive)
    {
        bool Holds(GrammarSymbol s) => s.IsLexeme || productive[s.Index];
        if (!Holds(family.Close) || !Holds(family.Separator)) return false;
        int members = 0;
        for (int k = 0; k < family.Members.Count; k++)
        {
            if (Holds(family.Members[k])) members++;
            else if (family.Required[k]) return false;
        }
        return members >= family.MinCount || (family.Extra is { } extra && Holds(extra));
    }

    // A family without its members that derive nothing (they could only lead the parser into a dead end).
    private static AnyOrderMembers Productive(AnyOrderMembers family, bool[] productive)
    {
        bool Holds(GrammarSymbol s) => s.IsLexeme || productive[s.Index];
        var extra = family.Extra is { } e && Holds(e) ? family.Extra : null;
        bool allHold = extra == family.Extra;
        for (int k = 0; k < family.Members.Count && allHold; k++) allHold = Holds(family.Members[k]);
        if (allHold) return family;
        var members = new List<GrammarSymbol>();
        var required = new List<bool>();
        for (int k = 0; k < family.Members.Count; k++)
        {
            if (!Holds(family.Members[k])) continue;
            members.Add(family.Members[k]);
            required.Add(family.Required[k]);
        }
        return family with { Members = members, Required = required, Extra = extra };
    }

    private bool[] ReachableFrom(int from)
    {
        var familyOf = new Dictionary<int, AnyOrderMembers>();
        foreach (var family in _anyOrder) familyOf[family.EntryRule] = family;
        var seen = new bool[_ruleNames.Count];
        var stack = new Stack<int>();
        stack.Push(from);
        seen[from] = true;
        while (stack.Count > 0)
        {
            int r = stack.Pop();
            if (familyOf.TryGetValue(r, out var f))
                foreach (var s in (GrammarSymbol[])[.. f.Members, f.Extra ?? f.Close, f.Separator])
                    if (!s.IsLexeme && !seen[s.Index]) { seen[s.Index] = true; stack.Push(s.Index); }
            foreach (var alt in _alternatives[r])
                foreach (var s in alt)
                    if (!s.IsLexeme && !seen[s.Index]) { seen[s.Index] = true; stack.Push(s.Index); }
        }
        return seen;
    }
}
