namespace Spindle.Chat.Jinja;

/// <summary>
/// Walks the syntax tree, writing output to an <see cref="OutputBuffer"/>. Every expression and statement it visits is
/// one level of depth and one step of its <see cref="RenderBudget"/>, so neither a deep tree (a chain of ten thousand
/// filters) nor deep macro recursion can overflow the stack, and no loop or recursion can run without bound.
/// </summary>
internal sealed class Interpreter(RenderBudget budget)
{
    private enum Flow { Normal, Break, Continue }

    private static readonly JinjaList EmptyTuple = new([], isTuple: true);
    private static readonly JinjaDict EmptyKwargs = new();

    public void Render(List<Stmt> body, Scope scope, OutputBuffer output)
    {
        var flow = Execute(body, scope, output);
        if (flow != Flow.Normal) throw new JinjaRuntimeException("'break' or 'continue' outside of a loop");
    }

    private Flow Execute(List<Stmt> body, Scope scope, OutputBuffer output)
    {
        foreach (var stmt in body)
        {
            var flow = Execute(stmt, scope, output);
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }

    private Flow Execute(Stmt stmt, Scope scope, OutputBuffer output)
    {
        budget.Enter();
        var flow = ExecuteCore(stmt, scope, output);
        budget.Exit();
        return flow;
    }

    private Flow ExecuteCore(Stmt stmt, Scope scope, OutputBuffer output)
    {
        switch (stmt)
        {
            case TextStmt t:
                output.Append(t.Text);
                return Flow.Normal;
            case OutputStmt o:
                output.Append(PyFormat.Str(Eval(o.Value, scope), budget));
                return Flow.Normal;
            case IfStmt i:
                foreach (var (condition, body) in i.Branches)
                    if (Eval(condition, scope).IsTruthy) return Execute(body, scope, output);
                return Execute(i.Else, scope, output);
            case ForStmt f:
                ExecuteFor(f, scope, output);
                return Flow.Normal;
            case SetStmt s:
                ExecuteSet(s, scope);
                return Flow.Normal;
            case SetBlockStmt sb:
            {
                var buffer = new OutputBuffer(budget, capture: true);
                Render(sb.Body, scope, buffer);
                scope.Set(sb.Target, ApplyFilterChain(new JinjaString(buffer.ToString()), sb.Filters, scope));
                return Flow.Normal;
            }
            case FilterBlockStmt fb:
            {
                var buffer = new OutputBuffer(budget, capture: true);
                var flow = Execute(fb.Body, scope, buffer);
                output.Append(PyFormat.Str(ApplyFilterChain(new JinjaString(buffer.ToString()), fb.Filters, scope), budget));
                return flow;
            }
            case MacroStmt m:
                scope.Set(m.Name, MakeMacro(m.Name, m.Parameters, m.Body, scope));
                return Flow.Normal;
            case CallBlockStmt c:
            {
                var caller = MakeMacro("caller", c.CallerParameters, c.Body, scope);
                var callee = Eval(c.Call.Callee, scope);
                var args = EvalArgs(c.Call.Args, scope);
                args.Keyword.Add(new("caller", caller));
                output.Append(PyFormat.Str(Invoke(callee, args), budget));
                return Flow.Normal;
            }
            case BreakStmt: return Flow.Break;
            case ContinueStmt: return Flow.Continue;
            case BlockStmt b: return Execute(b.Body, scope, output);
            default: throw new JinjaRuntimeException($"unsupported statement {stmt.GetType().Name}");
        }
    }

    private JinjaValue ApplyFilterChain(JinjaValue value, List<(string Name, CallArgs Args, int Line)> filters, Scope scope)
    {
        foreach (var (name, args, _) in filters)
        {
            budget.Step();
            value = Filters.Apply(name, value, EvalArgs(args, scope));
        }
        return value;
    }

    private void ExecuteSet(SetStmt s, Scope scope)
    {
        var value = Eval(s.Value, scope);
        if (s.Attribute != null)
        {
            if (!scope.TryLookup(s.Targets[0], out var target) || target is not JinjaDict { IsNamespace: true } ns)
                throw new JinjaRuntimeException("cannot assign attribute on non-namespace object");
            ns.Set(s.Attribute, value);
            return;
        }
        if (!s.UnpackTargets)
        {
            scope.Set(s.Targets[0], value);
            return;
        }
        Unpack(s.Targets, value, scope);
    }

    private void Unpack(List<string> targets, JinjaValue value, Scope scope)
    {
        var items = Ops.Iterate(value, budget);
        if (items.Count != targets.Count)
            throw new JinjaRuntimeException(items.Count < targets.Count
                ? $"not enough values to unpack (expected {targets.Count}, got {items.Count})"
                : $"too many values to unpack (expected {targets.Count})");
        for (int i = 0; i < targets.Count; i++) scope.Set(targets[i], items[i]);
    }

    private void Bind(ForStmt f, JinjaValue item, Scope scope)
    {
        if (f.UnpackTargets) Unpack(f.Targets, item, scope);
        else scope.Set(f.Targets[0], item);
    }

    private void ExecuteFor(ForStmt f, Scope scope, OutputBuffer output)
    {
        var iterable = Eval(f.Iterable, scope);
        var source = Ops.Iterate(iterable, budget);
        List<JinjaValue> items;
        if (f.Filter != null)
        {
            items = [];
            var filterScope = new Scope(scope);
            foreach (var item in source)
            {
                budget.Iteration();
                Bind(f, item, filterScope);
                if (Eval(f.Filter, filterScope).IsTruthy) items.Add(item);
            }
        }
        // No copy: lists are never changed in place (the sandbox has no append), and Iterate drains a generator into a
        // list of its own, so the body cannot alter what it iterates.
        else items = source;

        if (items.Count == 0)
        {
            Execute(f.Else, scope, output);
            return;
        }
        int n = items.Count;
        for (int i = 0; i < n; i++)
        {
            budget.Iteration();
            // Each iteration starts from the enclosing values: a `set` in one pass is gone in the next (Jinja2 3.x).
            var iterationScope = new Scope(scope);
            if (f.UsesLoop) iterationScope.Set("loop", new JinjaLoop(items, i));
            Bind(f, items[i], iterationScope);
            if (Execute(f.Body, iterationScope, output) == Flow.Break) break;
        }
    }

    private JinjaCallable MakeMacro(string name, List<(string Name, Expr? Default)> parameters, List<Stmt> body, Scope defining) =>
        new(name, args =>
        {
            budget.EnterCall(name);
            var frame = new Scope(defining);
            List<JinjaValue>? varargs = null;
            for (int i = 0; i < args.Positional.Count; i++)
            {
                if (i < parameters.Count) frame.Set(parameters[i].Name, args.Positional[i]);
                else (varargs ??= []).Add(args.Positional[i]);
            }
            JinjaDict? kwargs = null;
            foreach (var (key, value) in args.Keyword)
            {
                if (key == "caller") { frame.Set("caller", value); continue; }
                if (IndexOfParameter(parameters, key) >= 0) frame.Set(key, value);
                else (kwargs ??= new JinjaDict()).Set(key, value);
            }
            for (int i = args.Positional.Count; i < parameters.Count; i++)
            {
                var (pname, def) = parameters[i];
                if (frame.TryLookupLocal(pname)) continue;
                frame.Set(pname, def != null ? Eval(def, frame) : new JinjaUndefined($"parameter '{pname}' was not provided"));
            }
            // Templates never change these in place (the sandbox has no mutating methods), so empty ones are shared.
            frame.Set("varargs", varargs is null ? EmptyTuple : new JinjaList(varargs, isTuple: true));
            frame.Set("kwargs", kwargs ?? EmptyKwargs);
            var buffer = new OutputBuffer(budget, capture: true);
            Render(body, frame, buffer);
            // Not in a finally: a limit or error ends the whole render, so the count need not survive an exception.
            budget.ExitCall();
            return new JinjaString(buffer.ToString());
        });

    private static int IndexOfParameter(List<(string Name, Expr? Default)> parameters, string name)
    {
        for (int i = 0; i < parameters.Count; i++)
            if (parameters[i].Name == name) return i;
        return -1;
    }

    private static JinjaValue Invoke(JinjaValue callee, JinjaArguments args) => callee switch
    {
        JinjaCallable c => c.Invoke(args),
        JinjaUndefined u => throw Ops.UndefinedError(u),
        _ => throw Ops.TypeError($"'{callee.TypeName}' object is not callable"),
    };

    private JinjaArguments EvalArgs(CallArgs args, Scope scope)
    {
        var positional = new List<JinjaValue>(args.Positional.Count);
        foreach (var e in args.Positional) positional.Add(Eval(e, scope));
        var keyword = new List<KeyValuePair<string, JinjaValue>>(args.Keyword.Count);
        foreach (var (name, e) in args.Keyword) keyword.Add(new(name, Eval(e, scope)));
        return new JinjaArguments(positional, keyword, budget);
    }

    public JinjaValue Eval(Expr expr, Scope scope)
    {
        budget.Enter();
        var value = EvalCore(expr, scope);
        budget.Exit();
        return value;
    }

    private JinjaValue EvalCore(Expr expr, Scope scope)
    {
        switch (expr)
        {
            case LiteralExpr l:
                return l.Value;
            case NameExpr n:
                return scope.TryLookup(n.Name, out var v) ? v : new JinjaUndefined($"'{n.Name}' is undefined");
            case ListExpr l:
            {
                var items = new List<JinjaValue>(l.Items.Count);
                foreach (var e in l.Items) items.Add(Eval(e, scope));
                return new JinjaList(items, l.IsTuple);
            }
            case DictExpr d:
            {
                var dict = new JinjaDict();
                foreach (var (k, e) in d.Pairs) dict.Items[Ops.Hashable(Eval(k, scope), budget)] = Eval(e, scope);
                return dict;
            }
            case AttributeExpr a:
                return Ops.GetAttribute(Eval(a.Target, scope), a.Name);
            case ItemExpr i:
                return Ops.GetItem(Eval(i.Target, scope), Eval(i.Index, scope), budget);
            case SliceExpr s:
                return Ops.Slice(Eval(s.Target, scope),
                    s.Start is null ? null : Eval(s.Start, scope),
                    s.Stop is null ? null : Eval(s.Stop, scope),
                    s.Step is null ? null : Eval(s.Step, scope), budget);
            case CallExpr c:
                return Invoke(Eval(c.Callee, scope), EvalArgs(c.Args, scope));
            case FilterExpr f:
                return Filters.Apply(f.Name, Eval(f.Operand, scope), EvalArgs(f.Args, scope));
            case TestExpr t:
                return JinjaValue.FromBool(Tests.Apply(t.Name, Eval(t.Operand, scope), EvalArgs(t.Args, scope)) != t.Negated);
            case UnaryExpr u:
            {
                var operand = Eval(u.Operand, scope);
                return u.Op switch
                {
                    "not" => JinjaValue.FromBool(!operand.IsTruthy),
                    "-" => Ops.Require(operand) switch
                    {
                        JinjaInt i => new JinjaInt(-i.Value),
                        JinjaFloat f => new JinjaFloat(-f.Value),
                        JinjaBool b => new JinjaInt(b.Value ? -1 : 0),
                        _ => throw Ops.TypeError($"bad operand type for unary -: '{operand.TypeName}'"),
                    },
                    _ => Ops.IsNumber(Ops.Require(operand)) ? operand : throw Ops.TypeError($"bad operand type for unary +: '{operand.TypeName}'"),
                };
            }
            case BinaryExpr b:
            {
                var left = Eval(b.Left, scope);
                switch (b.Op)
                {
                    case "and": return left.IsTruthy ? Eval(b.Right, scope) : left;
                    case "or": return left.IsTruthy ? left : Eval(b.Right, scope);
                    case "~": return Ops.Concat(PyFormat.Str(left, budget), PyFormat.Str(Eval(b.Right, scope), budget), budget);
                    default: return Ops.Binary(b.Op, left, Eval(b.Right, scope), budget);
                }
            }
            case CompareExpr c:
            {
                var left = Eval(c.First, scope);
                foreach (var (op, operandExpr) in c.Rest)
                {
                    var right = Eval(operandExpr, scope);
                    if (!Ops.Compare(op, left, right, budget)) return JinjaValue.False;
                    left = right;
                }
                return JinjaValue.True;
            }
            case ConditionalExpr c:
                if (Eval(c.Condition, scope).IsTruthy) return Eval(c.Then, scope);
                return c.Else is null ? new JinjaUndefined("the inline if-expression evaluated to false and no else section was defined") : Eval(c.Else, scope);
            default:
                throw new JinjaRuntimeException($"unsupported expression {expr.GetType().Name}");
        }
    }
}
