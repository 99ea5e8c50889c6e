namespace Spindle.Chat.Jinja;

/// <summary>
/// A parsed Jinja2 template, rendered the way transformers renders chat templates: an immutable sandbox with
/// <c>trim_blocks</c>, <c>lstrip_blocks</c> and the loop-controls extension, default (lenient) undefined values, and the
/// globals <c>range</c>, <c>namespace</c>, <c>dict</c> and <c>raise_exception</c>. Parse once, render many times;
/// rendering does not mutate the template. Parsing and each render keep to <see cref="ChatTemplateLimits"/>.
/// </summary>
public sealed class JinjaTemplate
{
    private readonly List<Stmt> _body;

    private JinjaTemplate(List<Stmt> body) => _body = body;

    /// <exception cref="JinjaSyntaxException">the source is not valid template syntax.</exception>
    /// <exception cref="JinjaLimitException">it nests deeper than <see cref="ChatTemplateLimits.MaxNestingDepth"/>.</exception>
    public static JinjaTemplate Parse(string source, ChatTemplateLimits? limits = null)
    {
        limits ??= ChatTemplateLimits.Default;
        limits.Validate();
        return new(Parser.Parse(source, limits.MaxNestingDepth, limits.MaxAllocatedBytes));
    }

    /// <summary>Renders with <paramref name="variables"/> as the template context (after the built-in globals).</summary>
    /// <exception cref="JinjaRuntimeException">the template raised, or used a value in a way Python would reject.</exception>
    /// <exception cref="JinjaLimitException">the render would exceed one of <paramref name="limits"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public string Render(IReadOnlyDictionary<string, JinjaValue> variables, ChatTemplateLimits? limits = null, CancellationToken cancellationToken = default)
    {
        var budget = new RenderBudget(limits ?? ChatTemplateLimits.Default, cancellationToken);
        var globals = new Scope(null);
        foreach (var (name, value) in Builtins) globals.Set(name, value);
        var context = new Scope(globals);
        foreach (var (name, value) in variables) context.Set(name, value);
        var output = new OutputBuffer(budget, capture: false);
        new Interpreter(budget).Render(_body, context, output);
        return output.ToString();
    }

    private static readonly KeyValuePair<string, JinjaValue>[] Builtins =
    [
        new("range", new JinjaCallable("range", Range)),
        new("namespace", new JinjaCallable("namespace", a => MakeDict(a, isNamespace: true))),
        new("dict", new JinjaCallable("dict", a => MakeDict(a, isNamespace: false))),
        new("raise_exception", new JinjaCallable("raise_exception", a =>
            throw new JinjaRuntimeException(PyFormat.Str(a.Get(0, "message", JinjaString.Empty), a.Budget), raisedByTemplate: true))),
    ];

    private static JinjaValue Range(JinjaArguments a)
    {
        long start = 0, stop, step = 1;
        switch (a.Positional.Count)
        {
            case 1: stop = Ops.ToLong(a.Positional[0]); break;
            case 2: start = Ops.ToLong(a.Positional[0]); stop = Ops.ToLong(a.Positional[1]); break;
            case 3: start = Ops.ToLong(a.Positional[0]); stop = Ops.ToLong(a.Positional[1]); step = Ops.ToLong(a.Positional[2]); break;
            default: throw Ops.TypeError($"range expected 1 to 3 arguments, got {a.Positional.Count}");
        }
        if (step == 0) throw Ops.TypeError("range() arg 3 must not be zero");
        // The length is known before any item is made: Python's formula, in 128 bits so no bound overflows it.
        Int128 span = step > 0 ? (Int128)stop - start : (Int128)start - stop;
        Int128 magnitude = step > 0 ? step : -(Int128)step;
        long count = span <= 0 ? 0 : (long)Int128.Min((span + magnitude - 1) / magnitude, long.MaxValue);
        // The sandbox caps ranges at 100000 items (MAX_RANGE).
        if (count > MaxRange) throw new JinjaRuntimeException("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
        a.Budget.List(count, "range");
        var items = new List<JinjaValue>((int)count);
        for (long k = 0; k < count; k++) items.Add(JinjaInt.Of(start + k * step));
        return new JinjaList(items);
    }

    private const int MaxRange = 100_000;

    private static JinjaDict MakeDict(JinjaArguments a, bool isNamespace)
    {
        var budget = a.Budget;
        var d = new JinjaDict(isNamespace);
        foreach (var p in a.Positional)
        {
            if (p is JinjaDict source)
            {
                budget.List((long)d.Count + source.Count, "dict");
                foreach (var (k, v) in source.Items) d.Items[k] = v;
            }
            else foreach (var pair in Ops.Iterate(p, budget))
            {
                var kv = Ops.Iterate(pair, budget);
                if (kv.Count != 2) throw Ops.TypeError("dictionary update sequence element has wrong length");
                budget.GrowList(d.Count + 1L, "dict");
                d.Items[Ops.Hashable(kv[0], budget)] = kv[1];
            }
        }
        foreach (var (k, v) in a.Keyword) d.Set(k, v);
        return d;
    }
}
