using System.Text;

namespace Spindle.Chat.Jinja;

/// <summary>
/// A parsed Jinja2 template, rendered the way transformers renders chat templates: an immutable sandbox with
/// <c>trim_blocks</c>, <c>lstrip_blocks</c> and the loop-controls extension, default (lenient) undefined values, and the
/// globals <c>range</c>, <c>namespace</c>, <c>dict</c> and <c>raise_exception</c>. Parse once, render many times;
/// rendering does not mutate the template.
/// </summary>
public sealed class JinjaTemplate
{
    private readonly List<Stmt> _body;

    private JinjaTemplate(List<Stmt> body) => _body = body;

    /// <exception cref="JinjaSyntaxException">the source is not valid template syntax.</exception>
    public static JinjaTemplate Parse(string source) => new(Parser.Parse(source));

    /// <summary>Renders with <paramref name="variables"/> as the template context (after the built-in globals).</summary>
    /// <exception cref="JinjaRuntimeException">the template raised, or used a value in a way Python would reject.</exception>
    public string Render(IReadOnlyDictionary<string, JinjaValue> variables)
    {
        var globals = new Scope(null);
        foreach (var (name, value) in Builtins) globals.Set(name, value);
        var context = new Scope(globals);
        foreach (var (name, value) in variables) context.Set(name, value);
        var output = new StringBuilder();
        new Interpreter().Render(_body, context, output);
        return output.ToString();
    }

    private static readonly KeyValuePair<string, JinjaValue>[] Builtins =
    [
        new("range", new JinjaCallable("range", Range)),
        new("namespace", new JinjaCallable("namespace", a => MakeDict(a, isNamespace: true))),
        new("dict", new JinjaCallable("dict", a => MakeDict(a, isNamespace: false))),
        new("raise_exception", new JinjaCallable("raise_exception", a =>
            throw new JinjaRuntimeException(PyFormat.Str(a.Get(0, "message", JinjaString.Empty)), raisedByTemplate: true))),
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
        var items = new List<JinjaValue>();
        // The sandbox caps ranges at 100000 items (MAX_RANGE).
        for (long i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            if (items.Count >= 100_000) throw new JinjaRuntimeException("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
            items.Add(new JinjaInt(i));
        }
        return new JinjaList(items);
    }

    private static JinjaDict MakeDict(JinjaArguments a, bool isNamespace)
    {
        var d = new JinjaDict(isNamespace);
        foreach (var p in a.Positional)
        {
            if (p is JinjaDict source) foreach (var (k, v) in source.Items) d.Items[k] = v;
            else foreach (var pair in Ops.Iterate(p))
            {
                var kv = Ops.Iterate(pair);
                if (kv.Count != 2) throw Ops.TypeError("dictionary update sequence element has wrong length");
                d.Items[kv[0]] = kv[1];
            }
        }
        foreach (var (k, v) in a.Keyword) d.Set(k, v);
        return d;
    }
}
