using Spindle.Constraints.Grammars;
using Spindle.Constraints.Lexing;

namespace Spindle.Constraints.FrontEnds;

/// <summary>
/// GBNF → <see cref="Grammar"/>. Rules that are regular (no recursion, directly or through other rules) are inlined as
/// regexes, and each maximal run of regular items in a sequence becomes one lexeme, so e.g. a JSON string rule is a
/// single lexeme and the parser only sees structure.
/// </summary>
/// <remarks>
/// GBNF is matched per character; here lexemes are matched greedily (see <see cref="Matcher"/>). The two agree except
/// where a lexeme is followed by a recursive rule whose first characters could also extend the lexeme (e.g.
/// <c>root ::= [a-z]* expr</c> with <c>expr</c> recursive and starting with a letter): then, as in llguidance, the lexeme
/// takes the characters.
/// </remarks>
public static class GbnfGrammar
{
    public const string RootRule = "root";

    /// <summary>Deepest chain of rule references inlined into one lexeme regex.</summary>
    public const int MaxInlineDepth = 32;

    /// <summary>
    /// Parses GBNF. With <paramref name="perCharacterLexemes"/> every character of a literal and every class is its own
    /// one-character lexeme and no rule is inlined: slower masks (the parser runs at every character), but exactly
    /// llama.cpp's per-character semantics, for grammars where greedy lexemes would differ (see remarks).
    /// </summary>
    public static Grammar Parse(string text, bool perCharacterLexemes = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rules = GbnfParser.Parse(text);
        var bodies = new Dictionary<string, GbnfExpression>(StringComparer.Ordinal);
        foreach (var (name, offset, body) in rules)
        {
            if (!bodies.TryAdd(name, body))
            {
                var (line, column) = GbnfParser.LineColumn(text, offset);
                throw new GrammarException($"GBNF: rule '{name}' is defined twice", line, column);
            }
        }
        foreach (var (_, _, body) in rules) CheckReferences(body, bodies, text);
        if (!bodies.ContainsKey(RootRule)) throw new GrammarException($"GBNF: grammar has no '{RootRule}' rule");
        return new Lowering(bodies, perCharacterLexemes).Lower();
    }

    private static void CheckReferences(GbnfExpression e, Dictionary<string, GbnfExpression> bodies, string text)
    {
        var stack = new Stack<GbnfExpression>();
        stack.Push(e);
        while (stack.Count > 0)
        {
            switch (stack.Pop())
            {
                case GbnfRuleReference r when !bodies.ContainsKey(r.Name):
                    var (line, column) = GbnfParser.LineColumn(text, r.Offset);
                    throw new GrammarException($"GBNF: undefined rule '{r.Name}'", line, column);
                case GbnfSequence s: foreach (var i in s.Items) stack.Push(i); break;
                case GbnfAlternation a: foreach (var i in a.Alternatives) stack.Push(i); break;
                case GbnfRepeat rep: stack.Push(rep.Item); break;
            }
        }
    }

    private sealed class Lowering(Dictionary<string, GbnfExpression> bodies, bool perCharacter)
    {
        private readonly GrammarBuilder _builder = new();
        private readonly Dictionary<string, bool> _regular = new(StringComparer.Ordinal);
        private readonly Dictionary<string, RegexNode> _regex = new(StringComparer.Ordinal);
        private readonly HashSet<string> _loweredRules = new(StringComparer.Ordinal);
        private readonly Queue<string> _pendingRules = new();

        public Grammar Lower()
        {
            foreach (var name in bodies.Keys) ComputeRegular(name, []);
            var start = SymbolOf(new GbnfRuleReference(0, RootRule));
            while (_pendingRules.Count > 0)
            {
                string name = _pendingRules.Dequeue();
                var rule = _builder.Rule(name);
                if (bodies[name] is GbnfAlternation a)
                    foreach (var alt in a.Alternatives) _builder.AddAlternative(rule, SequenceOf(alt));
                else _builder.AddAlternative(rule, SequenceOf(bodies[name]));
            }
            return _builder.Build(start);
        }

        /// <summary>
        /// A rule is regular if it is on no reference cycle and references only regular rules. Chains of regular rules
        /// deeper than <see cref="MaxInlineDepth"/> stay grammar rules, which bounds regex depth (and recursion).
        /// </summary>
        private bool ComputeRegular(string name, HashSet<string> visiting)
        {
            if (_regular.TryGetValue(name, out bool known)) return known;
            if (perCharacter)
            {
                _regular[name] = false;
                return false;
            }
            if (visiting.Count >= MaxInlineDepth) return false;
            if (!visiting.Add(name)) return false; // a cycle: the caller marks every rule on it non-regular
            bool regular = true;
            foreach (var reference in References(bodies[name]))
                if (!ComputeRegular(reference, visiting)) regular = false;
            visiting.Remove(name);
            // A rule on a cycle sees itself as non-regular through the recursion above.
            _regular[name] = regular;
            return regular;
        }

        private static IEnumerable<string> References(GbnfExpression e)
        {
            var stack = new Stack<GbnfExpression>();
            stack.Push(e);
            while (stack.Count > 0)
            {
                switch (stack.Pop())
                {
                    case GbnfRuleReference r: yield return r.Name; break;
                    case GbnfSequence s: foreach (var i in s.Items) stack.Push(i); break;
                    case GbnfAlternation a: foreach (var i in a.Alternatives) stack.Push(i); break;
                    case GbnfRepeat rep: stack.Push(rep.Item); break;
                }
            }
        }

        private bool IsRegular(GbnfExpression e) => perCharacter ? false : e switch
        {
            GbnfTerminal => true,
            GbnfRuleReference r => _regular[r.Name],
            GbnfSequence s => s.Items.TrueForAll(IsRegular),
            GbnfAlternation a => a.Alternatives.TrueForAll(IsRegular),
            GbnfRepeat rep => IsRegular(rep.Item),
            _ => false,
        };

        private RegexNode RegexOf(GbnfExpression e)
        {
            switch (e)
            {
                case GbnfTerminal t: return t.Regex;
                case GbnfRuleReference r:
                    if (!_regex.TryGetValue(r.Name, out var node)) _regex[r.Name] = node = RegexOf(bodies[r.Name]);
                    return node;
                case GbnfSequence s: return RegexNode.Concat(s.Items.ConvertAll(RegexOf));
                case GbnfAlternation a: return RegexNode.Alternate(a.Alternatives.ConvertAll(RegexOf));
                case GbnfRepeat rep: return RegexNode.Repeat(RegexOf(rep.Item), rep.Min, rep.Max);
                default: throw new InvalidOperationException(e.GetType().Name);
            }
        }

        /// <summary>Lowers one alternative: runs of regular items merge into one lexeme each.</summary>
        private GrammarSymbol[] SequenceOf(GbnfExpression e)
        {
            var items = e is GbnfSequence s ? s.Items : [e];
            var result = new List<GrammarSymbol>();
            var run = new List<RegexNode>();
            foreach (var item in items)
            {
                if (IsRegular(item))
                {
                    run.Add(RegexOf(item));
                    continue;
                }
                FlushRun(run, result);
                result.Add(SymbolOf(item));
            }
            FlushRun(run, result);
            return [.. result];
        }

        private void FlushRun(List<RegexNode> run, List<GrammarSymbol> result)
        {
            if (run.Count == 0) return;
            var regex = RegexNode.Concat(run);
            run.Clear();
            if (regex is RegexEmpty) return;
            result.Add(_builder.Lexeme(regex));
        }

        private GrammarSymbol SymbolOf(GbnfExpression e)
        {
            if (IsRegular(e)) return _builder.Lexeme(RegexOf(e), e is GbnfRuleReference r0 ? r0.Name : null);
            switch (e)
            {
                case GbnfTerminal t:
                {
                    // Per-character mode: one lexeme per character, so no lexeme can ever take a following character.
                    if (t.Regex is not RegexConcat chars) return _builder.Lexeme(t.Regex);
                    var items = new GrammarSymbol[chars.Items.Length];
                    for (int i = 0; i < items.Length; i++) items[i] = _builder.Lexeme(chars.Items[i]);
                    return _builder.Sequence(items);
                }
                case GbnfRuleReference r:
                    if (_loweredRules.Add(r.Name)) _pendingRules.Enqueue(r.Name);
                    return _builder.Rule(r.Name);
                case GbnfSequence:
                    return _builder.Sequence(SequenceOf(e));
                case GbnfAlternation a:
                {
                    var rule = _builder.NewRule("group");
                    foreach (var alt in a.Alternatives) _builder.AddAlternative(rule, SequenceOf(alt));
                    return rule;
                }
                case GbnfRepeat rep:
                    return _builder.Repeat(SymbolOf(rep.Item), rep.Min, rep.Max);
                default:
                    throw new InvalidOperationException(e.GetType().Name);
            }
        }
    }
}
