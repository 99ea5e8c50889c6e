using System.Text;

namespace Spindle.Chat.Jinja;

/// <summary>
/// Recursive-descent parser following Jinja2's grammar and precedence: conditional &lt; or &lt; and &lt; not &lt;
/// comparison (incl. in / not in) &lt; + - &lt; ~ &lt; * / // % &lt; ** &lt; unary - + &lt; postfix (. [] ()) with
/// filters and <c>is</c> tests applied to the unary operand (so <c>-x|abs</c> is <c>abs(-x)</c>).
/// Every path by which the parser re-enters itself (a nested block, a parenthesised or bracketed expression, a chain
/// of <c>not</c> or unary signs, a conditional's else part) passes through <see cref="Enter"/>, which caps the
/// recursion at <see cref="ChatTemplateLimits.MaxNestingDepth"/>. Chains that the parser reads in a loop (<c>a ~ b ~ c</c>,
/// <c>x|f|g</c>, <c>x[0][1]</c>) build deep trees without deep recursion here; evaluation bounds those.
/// </summary>
internal sealed class Parser
{
    private readonly List<Token> _tokens;
    private readonly int _maxDepth;
    private readonly AllocationGauge _allocation;
    private int _pos;
    private int _depth;
    private int _entered;
    /// <summary>Whether the name <c>loop</c> was read since the innermost enclosing for-loop began.</summary>
    private bool _sawLoop;

    private Parser(List<Token> tokens, int maxDepth, AllocationGauge allocation)
    {
        _tokens = tokens;
        _maxDepth = maxDepth;
        _allocation = allocation;
    }

    /// <exception cref="JinjaSyntaxException">the source is not valid template syntax.</exception>
    /// <exception cref="JinjaLimitException">it nests more than <paramref name="maxDepth"/> levels, or lexing and parsing
    /// would allocate more than <paramref name="maxAllocatedBytes"/>.</exception>
    public static List<Stmt> Parse(string source, int maxDepth, long maxAllocatedBytes = long.MaxValue)
    {
        var allocation = new AllocationGauge(maxAllocatedBytes);
        var parser = new Parser(Lexer.Tokenize(source, maxAllocatedBytes), maxDepth, allocation);
        var body = parser.ParseStatements(null, out _);
        return body;
    }

    /// <summary>One level of parser recursion deeper; pair with <see cref="Exit"/>.</summary>
    private void Enter()
    {
        if ((++_entered & 4095) == 0) _allocation.Check("parsing the template", Current.Line, Current.Column);
        if (++_depth > _maxDepth)
            throw new JinjaLimitException(nameof(ChatTemplateLimits.MaxNestingDepth), _maxDepth, "the template nests too deeply", Current.Line, Current.Column);
        // A level is up to 14 frames here (a call argument inside a filter argument...), so the stack is probed at each.
        if (!System.Runtime.CompilerServices.RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw new JinjaLimitException(nameof(ChatTemplateLimits.MaxNestingDepth), _maxDepth, $"the thread's stack ran low at depth {_depth}", Current.Line, Current.Column);
    }

    private void Exit() => _depth--;

    private Token Current => _tokens[_pos];
    private Token Peek(int ahead = 1) => _tokens[Math.Min(_pos + ahead, _tokens.Count - 1)];
    private Token Next() => _tokens[_pos++];

    private static JinjaSyntaxException Error(string message, Token at) => new(message, at.Line, at.Column);

    private Token Expect(TokenKind kind, string? text = null)
    {
        var t = Current;
        if (t.Kind != kind || (text != null && t.Text != text))
            throw Error($"expected {(text != null ? $"'{text}'" : kind.ToString())}, got {t.Describe()}", t);
        _pos++;
        return t;
    }

    private string ExpectName() => Expect(TokenKind.Name).Text;

    private bool SkipOperator(string op)
    {
        if (!Current.IsOperator(op)) return false;
        _pos++;
        return true;
    }

    private bool SkipName(string name)
    {
        if (!Current.IsName(name)) return false;
        _pos++;
        return true;
    }

    /// <summary>
    /// Statements up to a block tag whose keyword is in <paramref name="endTags"/> (left unconsumed after the
    /// <c>{%</c>; <paramref name="endTag"/> receives it) or to the end of input when <paramref name="endTags"/> is null.
    /// </summary>
    private List<Stmt> ParseStatements(string[]? endTags, out string endTag)
    {
        var body = new List<Stmt>();
        while (true)
        {
            var t = Current;
            switch (t.Kind)
            {
                case TokenKind.Eof:
                    if (endTags != null)
                        throw Error($"Unexpected end of template. Jinja was looking for the following tags: {string.Join(" or ", endTags.Select(e => $"'{e}'"))}.", t);
                    endTag = "";
                    return body;
                case TokenKind.Text:
                    _pos++;
                    body.Add(new TextStmt(t.Text, t.Line));
                    break;
                case TokenKind.VariableBegin:
                    _pos++;
                    var expr = ParseTupleOrExpression();
                    Expect(TokenKind.VariableEnd);
                    body.Add(new OutputStmt(expr, t.Line));
                    break;
                case TokenKind.BlockBegin:
                    var keyword = Peek();
                    if (keyword.Kind != TokenKind.Name) throw Error("tag name expected", keyword);
                    if (endTags != null && Array.IndexOf(endTags, keyword.Text) >= 0)
                    {
                        _pos += 2;
                        endTag = keyword.Text;
                        return body;
                    }
                    _pos += 2;
                    Enter();
                    body.Add(ParseStatement(keyword));
                    Exit();
                    break;
                default:
                    throw Error($"unexpected {t.Describe()}", t);
            }
        }
    }

    private Stmt ParseStatement(Token keyword)
    {
        switch (keyword.Text)
        {
            case "if": return ParseIf(keyword);
            case "for": return ParseFor(keyword);
            case "set": return ParseSet(keyword);
            case "macro": return ParseMacro(keyword);
            case "call": return ParseCallBlock(keyword);
            case "filter":
            {
                var filters = ParseFilterChain();
                Expect(TokenKind.BlockEnd);
                var body = ParseStatements(["endfilter"], out _);
                Expect(TokenKind.BlockEnd);
                return new FilterBlockStmt(filters, body, keyword.Line);
            }
            case "break":
                Expect(TokenKind.BlockEnd);
                return new BreakStmt(keyword.Line);
            case "continue":
                Expect(TokenKind.BlockEnd);
                return new ContinueStmt(keyword.Line);
            case "generation":
            {
                Expect(TokenKind.BlockEnd);
                var body = ParseStatements(["endgeneration"], out _);
                Expect(TokenKind.BlockEnd);
                return new BlockStmt(body, keyword.Line);
            }
            default:
                throw Error($"Encountered unknown tag '{keyword.Text}'.", keyword);
        }
    }

    private IfStmt ParseIf(Token keyword)
    {
        var branches = new List<(Expr, List<Stmt>)>();
        string end;
        do
        {
            var condition = ParseTupleOrExpression();
            Expect(TokenKind.BlockEnd);
            branches.Add((condition, ParseStatements(["elif", "else", "endif"], out end)));
        }
        while (end == "elif");
        List<Stmt> otherwise = [];
        if (end == "else")
        {
            Expect(TokenKind.BlockEnd);
            otherwise = ParseStatements(["endif"], out _);
        }
        Expect(TokenKind.BlockEnd);
        return new IfStmt(branches, otherwise, keyword.Line);
    }

    private ForStmt ParseFor(Token keyword)
    {
        var targets = new List<string> { ExpectName() };
        bool unpack = false;
        while (SkipOperator(","))
        {
            unpack = true;
            if (Current.IsName("in")) break;
            targets.Add(ExpectName());
        }
        if (!SkipName("in")) throw Error($"expected 'in', got {Current.Describe()}", Current);
        var iterable = ParseTupleOrExpression(withCondition: false);
        Expr? filter = null;
        if (SkipName("if")) filter = ParseExpression();
        SkipName("recursive");
        Expect(TokenKind.BlockEnd);
        bool outerSawLoop = _sawLoop;
        _sawLoop = false;
        var body = ParseStatements(["endfor", "else"], out string end);
        bool usesLoop = _sawLoop;
        _sawLoop |= outerSawLoop;
        List<Stmt> otherwise = [];
        if (end == "else")
        {
            Expect(TokenKind.BlockEnd);
            otherwise = ParseStatements(["endfor"], out _);
        }
        Expect(TokenKind.BlockEnd);
        return new ForStmt(targets, unpack, iterable, filter, body, otherwise, usesLoop, keyword.Line);
    }

    private Stmt ParseSet(Token keyword)
    {
        string first = ExpectName();
        if (Current.IsOperator(".") && Peek().Kind == TokenKind.Name)
        {
            _pos++;
            string attr = ExpectName();
            Expect(TokenKind.Operator, "=");
            var value = ParseTupleOrExpression();
            Expect(TokenKind.BlockEnd);
            return new SetStmt([first], false, attr, value, keyword.Line);
        }
        var targets = new List<string> { first };
        bool unpack = false;
        while (SkipOperator(","))
        {
            unpack = true;
            if (Current.IsOperator("=")) break;
            targets.Add(ExpectName());
        }
        if (SkipOperator("="))
        {
            var value = ParseTupleOrExpression();
            Expect(TokenKind.BlockEnd);
            return new SetStmt(targets, unpack, null, value, keyword.Line);
        }
        if (unpack) throw Error("expected '='", Current);
        var filters = Current.IsOperator("|") ? ParseFilterChain() : [];
        Expect(TokenKind.BlockEnd);
        var body = ParseStatements(["endset"], out _);
        Expect(TokenKind.BlockEnd);
        return new SetBlockStmt(first, filters, body, keyword.Line);
    }

    private List<(string, CallArgs, int)> ParseFilterChain()
    {
        var filters = new List<(string, CallArgs, int)> { ParseOneFilter() };
        while (SkipOperator("|")) filters.Add(ParseOneFilter());
        return filters;
    }

    /// <summary>A filter name (dotted names allowed, as Jinja2 does) and its optional argument list.</summary>
    private (string Name, CallArgs Args, int Line) ParseOneFilter()
    {
        var nameToken = Expect(TokenKind.Name);
        string name = nameToken.Text;
        while (Current.IsOperator(".") && Peek().Kind == TokenKind.Name)
        {
            _pos++;
            name += "." + ExpectName();
        }
        var args = Current.IsOperator("(") ? ParseCallArgs() : new CallArgs([], []);
        return (name, args, nameToken.Line);
    }

    private List<(string, Expr?)> ParseSignature()
    {
        var parameters = new List<(string, Expr?)>();
        Expect(TokenKind.Operator, "(");
        while (!Current.IsOperator(")"))
        {
            if (parameters.Count > 0) Expect(TokenKind.Operator, ",");
            if (Current.IsOperator(")")) break;
            string name = ExpectName();
            Expr? def = SkipOperator("=") ? ParseExpression() : null;
            parameters.Add((name, def));
        }
        _pos++;
        return parameters;
    }

    private MacroStmt ParseMacro(Token keyword)
    {
        string name = ExpectName();
        var parameters = ParseSignature();
        Expect(TokenKind.BlockEnd);
        var body = ParseStatements(["endmacro"], out _);
        if (Current.Kind == TokenKind.Name) _pos++; // {% endmacro name %}
        Expect(TokenKind.BlockEnd);
        return new MacroStmt(name, parameters, body, keyword.Line);
    }

    private CallBlockStmt ParseCallBlock(Token keyword)
    {
        var callerParams = Current.IsOperator("(") ? ParseSignature() : [];
        var expr = ParseExpression();
        if (expr is not CallExpr call) throw Error("expected call", keyword);
        Expect(TokenKind.BlockEnd);
        var body = ParseStatements(["endcall"], out _);
        Expect(TokenKind.BlockEnd);
        return new CallBlockStmt(call, callerParams, body, keyword.Line);
    }

    // ---- expressions ----

    /// <summary>An expression, or a bare tuple <c>a, b</c> as Jinja allows in output and assignment.</summary>
    private Expr ParseTupleOrExpression(bool withCondition = true)
    {
        int line = Current.Line;
        var first = withCondition ? ParseExpression() : ParseOr();
        if (!Current.IsOperator(",")) return first;
        var items = new List<Expr> { first };
        while (SkipOperator(","))
        {
            if (IsTupleEnd()) break;
            items.Add(withCondition ? ParseExpression() : ParseOr());
        }
        return new ListExpr(items, true, line);
    }

    private bool IsTupleEnd() =>
        Current.Kind is TokenKind.VariableEnd or TokenKind.BlockEnd or TokenKind.Eof
        || Current.IsOperator(")") || Current.IsOperator("=") || Current.IsName("if") || Current.IsName("in");

    private Expr ParseExpression()
    {
        Enter();
        var expr = ParseOr();
        if (Current.IsName("if"))
        {
            int line = Current.Line;
            _pos++;
            var condition = ParseOr();
            Expr? otherwise = SkipName("else") ? ParseExpression() : null;
            expr = new ConditionalExpr(condition, expr, otherwise, line);
        }
        Exit();
        return expr;
    }

    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (Current.IsName("or"))
        {
            int line = Next().Line;
            left = new BinaryExpr("or", left, ParseAnd(), line);
        }
        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (Current.IsName("and"))
        {
            int line = Next().Line;
            left = new BinaryExpr("and", left, ParseNot(), line);
        }
        return left;
    }

    private Expr ParseNot()
    {
        if (Current.IsName("not"))
        {
            Enter();
            int line = Next().Line;
            var not = new UnaryExpr("not", ParseNot(), line);
            Exit();
            return not;
        }
        return ParseCompare();
    }

    private Expr ParseCompare()
    {
        int line = Current.Line;
        var first = ParseMath1();
        var rest = new List<(string, Expr)>();
        while (true)
        {
            var t = Current;
            if (t.Kind == TokenKind.Operator && t.Text is "==" or "!=" or "<" or ">" or "<=" or ">=")
            {
                _pos++;
                rest.Add((t.Text, ParseMath1()));
            }
            else if (t.IsName("in"))
            {
                _pos++;
                rest.Add(("in", ParseMath1()));
            }
            else if (t.IsName("not") && Peek().IsName("in"))
            {
                _pos += 2;
                rest.Add(("notin", ParseMath1()));
            }
            else break;
        }
        return rest.Count == 0 ? first : new CompareExpr(first, rest, line);
    }

    private Expr ParseMath1()
    {
        var left = ParseConcat();
        while (Current.Kind == TokenKind.Operator && Current.Text is "+" or "-")
        {
            var op = Next();
            left = new BinaryExpr(op.Text, left, ParseConcat(), op.Line);
        }
        return left;
    }

    private Expr ParseConcat()
    {
        var left = ParseMath2();
        while (Current.IsOperator("~"))
        {
            var op = Next();
            left = new BinaryExpr("~", left, ParseMath2(), op.Line);
        }
        return left;
    }

    private Expr ParseMath2()
    {
        var left = ParsePow();
        while (Current.Kind == TokenKind.Operator && Current.Text is "*" or "/" or "//" or "%")
        {
            var op = Next();
            left = new BinaryExpr(op.Text, left, ParsePow(), op.Line);
        }
        return left;
    }

    private Expr ParsePow()
    {
        var left = ParseUnary(true);
        while (Current.IsOperator("**"))
        {
            var op = Next();
            left = new BinaryExpr("**", left, ParseUnary(true), op.Line);
        }
        return left;
    }

    private Expr ParseUnary(bool withFilter)
    {
        var t = Current;
        Expr node;
        if (t.IsOperator("-") || t.IsOperator("+"))
        {
            Enter();
            _pos++;
            node = new UnaryExpr(t.Text, ParseUnary(false), t.Line);
            Exit();
        }
        else node = ParsePrimary();
        node = ParsePostfix(node);
        if (withFilter) node = ParseFilterAndTests(node);
        return node;
    }

    private Expr ParsePrimary()
    {
        var t = Next();
        switch (t.Kind)
        {
            case TokenKind.Name:
                return t.Text switch
                {
                    "true" or "True" => new LiteralExpr(JinjaValue.True, t.Line),
                    "false" or "False" => new LiteralExpr(JinjaValue.False, t.Line),
                    "none" or "None" => new LiteralExpr(JinjaValue.None, t.Line),
                    "loop" => SawLoop(t),
                    _ => new NameExpr(t.Text, t.Line),
                };
            case TokenKind.String:
            {
                // Adjacent literals concatenate, as in Python, in one builder: appending to a string per literal copied quadratically.
                if (Current.Kind != TokenKind.String) return new LiteralExpr(new JinjaString(t.Text), t.Line);
                var joined = new StringBuilder(t.Text);
                while (Current.Kind == TokenKind.String) joined.Append(Next().Text);
                return new LiteralExpr(new JinjaString(joined.ToString()), t.Line);
            }
            case TokenKind.Integer: return new LiteralExpr(new JinjaInt(t.IntValue), t.Line);
            case TokenKind.Float: return new LiteralExpr(new JinjaFloat(t.FloatValue), t.Line);
            case TokenKind.Operator when t.Text == "(":
            {
                if (SkipOperator(")")) return new ListExpr([], true, t.Line);
                var inner = ParseExpression();
                if (SkipOperator(")")) return inner;
                var items = new List<Expr> { inner };
                while (SkipOperator(","))
                {
                    if (Current.IsOperator(")")) break;
                    items.Add(ParseExpression());
                }
                Expect(TokenKind.Operator, ")");
                return new ListExpr(items, true, t.Line);
            }
            case TokenKind.Operator when t.Text == "[":
            {
                var items = new List<Expr>();
                while (!Current.IsOperator("]"))
                {
                    if (items.Count > 0) Expect(TokenKind.Operator, ",");
                    if (Current.IsOperator("]")) break;
                    items.Add(ParseExpression());
                }
                _pos++;
                return new ListExpr(items, false, t.Line);
            }
            case TokenKind.Operator when t.Text == "{":
            {
                var pairs = new List<(Expr, Expr)>();
                while (!Current.IsOperator("}"))
                {
                    if (pairs.Count > 0) Expect(TokenKind.Operator, ",");
                    if (Current.IsOperator("}")) break;
                    var key = ParseExpression();
                    Expect(TokenKind.Operator, ":");
                    pairs.Add((key, ParseExpression()));
                }
                _pos++;
                return new DictExpr(pairs, t.Line);
            }
            default:
                throw Error($"unexpected {t.Describe()}", t);
        }
    }

    private NameExpr SawLoop(Token t)
    {
        _sawLoop = true;
        return new NameExpr(t.Text, t.Line);
    }

    private Expr ParsePostfix(Expr node)
    {
        while (true)
        {
            var t = Current;
            if (t.IsOperator("."))
            {
                _pos++;
                var name = Next();
                if (name.Kind == TokenKind.Name) node = new AttributeExpr(node, name.Text, t.Line);
                else if (name.Kind == TokenKind.Integer) node = new ItemExpr(node, new LiteralExpr(new JinjaInt(name.IntValue), name.Line), t.Line);
                else throw Error($"expected name or number, got {name.Describe()}", name);
            }
            else if (t.IsOperator("["))
            {
                _pos++;
                node = ParseSubscript(node, t.Line);
            }
            else if (t.IsOperator("("))
            {
                node = new CallExpr(node, ParseCallArgs(), t.Line);
            }
            else return node;
        }
    }

    private Expr ParseSubscript(Expr target, int line)
    {
        Expr? start = null, stop = null, step = null;
        bool isSlice = false;
        if (!Current.IsOperator(":")) start = ParseExpression();
        if (SkipOperator(":"))
        {
            isSlice = true;
            if (!Current.IsOperator("]") && !Current.IsOperator(":")) stop = ParseExpression();
            if (SkipOperator(":") && !Current.IsOperator("]")) step = ParseExpression();
        }
        Expect(TokenKind.Operator, "]");
        return isSlice ? new SliceExpr(target, start, stop, step, line) : new ItemExpr(target, start!, line);
    }

    private CallArgs ParseCallArgs()
    {
        Expect(TokenKind.Operator, "(");
        var positional = new List<Expr>();
        var keyword = new List<(string, Expr)>();
        bool first = true;
        while (!Current.IsOperator(")"))
        {
            if (!first) Expect(TokenKind.Operator, ",");
            first = false;
            if (Current.IsOperator(")")) break;
            if (Current.Kind == TokenKind.Name && Peek().IsOperator("="))
            {
                string name = Next().Text;
                _pos++;
                keyword.Add((name, ParseExpression()));
            }
            else
            {
                if (keyword.Count > 0) throw Error("positional argument follows keyword argument", Current);
                positional.Add(ParseExpression());
            }
        }
        _pos++;
        return new CallArgs(positional, keyword);
    }

    private Expr ParseFilterAndTests(Expr node)
    {
        while (true)
        {
            var t = Current;
            if (t.IsOperator("|"))
            {
                _pos++;
                var (name, args, line) = ParseOneFilter();
                node = new FilterExpr(node, name, args, line);
            }
            else if (t.IsName("is"))
            {
                _pos++;
                bool negated = SkipName("not");
                var nameToken = Expect(TokenKind.Name);
                string name = nameToken.Text;
                CallArgs args;
                if (Current.IsOperator("(")) args = ParseCallArgs();
                else if ((Current.Kind is TokenKind.Name or TokenKind.String or TokenKind.Integer or TokenKind.Float
                          || Current.IsOperator("(") || Current.IsOperator("[") || Current.IsOperator("{"))
                         && !Current.IsName("else") && !Current.IsName("or") && !Current.IsName("and")
                         && !Current.IsName("if") && !Current.IsName("in") && !Current.IsName("not"))
                {
                    // `x is divisibleby 3`, `x is sameas none`: a single argument without parentheses.
                    var arg = ParsePostfix(ParsePrimary());
                    args = new CallArgs([arg], []);
                }
                else args = new CallArgs([], []);
                node = new TestExpr(node, name, args, negated, nameToken.Line);
            }
            else if (t.IsOperator("("))
            {
                node = new CallExpr(node, ParseCallArgs(), t.Line);
            }
            else return node;
        }
    }

}
