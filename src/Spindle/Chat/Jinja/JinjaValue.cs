namespace Spindle.Chat.Jinja;

/// <summary>
/// A runtime value of the template language. The set is closed (string, integer, float, boolean, none, list/tuple,
/// dict/namespace, undefined, callable) so every operation is a type switch, never reflection.
/// Equality and hashing follow Python: <c>1 == 1.0 == True</c>, so these values can key a dict.
/// </summary>
public abstract class JinjaValue : IEquatable<JinjaValue>
{
    public static readonly JinjaNone None = JinjaNone.Instance;
    public static readonly JinjaBool True = JinjaBool.TrueValue;
    public static readonly JinjaBool False = JinjaBool.FalseValue;

    /// <summary>Python truthiness.</summary>
    public abstract bool IsTruthy { get; }

    /// <summary>The name Python would give the type, used in error messages.</summary>
    public abstract string TypeName { get; }

    public static JinjaValue FromBool(bool b) => b ? True : False;

    public abstract bool Equals(JinjaValue? other);

    public override bool Equals(object? obj) => obj is JinjaValue v && Equals(v);

    public abstract override int GetHashCode();

    /// <summary>Python's <c>str()</c> of the value.</summary>
    public override string ToString() => PyFormat.Str(this);
}

/// <summary>
/// A string; <see cref="IsMarkup"/> marks markupsafe's <c>Markup</c> (from <c>|safe</c> or <c>|escape</c>), which
/// HTML-escapes any plain string concatenated to it with <c>+</c> even though autoescaping is off.
/// </summary>
public sealed class JinjaString(string value, bool isMarkup = false) : JinjaValue
{
    public static readonly JinjaString Empty = new("");
    public string Value { get; } = value;
    public bool IsMarkup { get; } = isMarkup;
    public override bool IsTruthy => Value.Length != 0;
    public override string TypeName => "str";
    public override bool Equals(JinjaValue? other) => other is JinjaString s && string.Equals(s.Value, Value, StringComparison.Ordinal);
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);
}

public sealed class JinjaInt(long value) : JinjaValue
{
    // Loop counters and lengths: small integers are shared rather than allocated per loop pass.
    private static readonly JinjaInt[] Small = CreateSmall();

    public long Value { get; } = value;

    /// <summary>The integer <paramref name="value"/>, shared for 0..1023.</summary>
    public static JinjaInt Of(long value) => (ulong)value < (ulong)Small.Length ? Small[value] : new JinjaInt(value);

    private static JinjaInt[] CreateSmall()
    {
        var small = new JinjaInt[1024];
        for (int i = 0; i < small.Length; i++) small[i] = new JinjaInt(i);
        return small;
    }

    public override bool IsTruthy => Value != 0;
    public override string TypeName => "int";
    public override bool Equals(JinjaValue? other) => other switch
    {
        JinjaInt i => i.Value == Value,
        JinjaFloat f => f.Value == Value,
        JinjaBool b => (b.Value ? 1 : 0) == Value,
        _ => false,
    };
    public override int GetHashCode() => Value.GetHashCode();
}

public sealed class JinjaFloat(double value) : JinjaValue
{
    public double Value { get; } = value;
    public override bool IsTruthy => Value != 0;
    public override string TypeName => "float";
    public override bool Equals(JinjaValue? other) => other switch
    {
        JinjaInt i => i.Value == Value,
        JinjaFloat f => f.Value == Value,
        JinjaBool b => (b.Value ? 1 : 0) == Value,
        _ => false,
    };
    // Integral floats hash like the equal integer, as in Python.
    public override int GetHashCode() => Value == Math.Floor(Value) && Math.Abs(Value) < 9.2e18 ? ((long)Value).GetHashCode() : Value.GetHashCode();
}

public sealed class JinjaBool : JinjaValue
{
    internal static readonly JinjaBool TrueValue = new(true);
    internal static readonly JinjaBool FalseValue = new(false);
    private JinjaBool(bool value) => Value = value;
    public bool Value { get; }
    public override bool IsTruthy => Value;
    public override string TypeName => "bool";
    public override bool Equals(JinjaValue? other) => other switch
    {
        JinjaBool b => b.Value == Value,
        JinjaInt i => i.Value == (Value ? 1 : 0),
        JinjaFloat f => f.Value == (Value ? 1 : 0),
        _ => false,
    };
    public override int GetHashCode() => (Value ? 1L : 0L).GetHashCode();
}

public sealed class JinjaNone : JinjaValue
{
    internal static readonly JinjaNone Instance = new();
    private JinjaNone() { }
    public override bool IsTruthy => false;
    public override string TypeName => "NoneType";
    public override bool Equals(JinjaValue? other) => other is JinjaNone;
    public override int GetHashCode() => 0x4E6F6E65;
}

/// <summary>
/// A list, a tuple when <see cref="IsTuple"/> (only the repr differs: parentheses), or the one-shot generator that
/// Jinja2's map/select/reject/selectattr/rejectattr/unique/reverse/items filters return when
/// <see cref="IsGenerator"/>: always truthy, no length, not JSON-serialisable, and empty once iterated.
/// </summary>
public sealed class JinjaList(List<JinjaValue> items, bool isTuple = false, bool isGenerator = false) : JinjaValue
{
    public JinjaList() : this([]) { }
    public List<JinjaValue> Items { get; } = items;
    public bool IsTuple { get; } = isTuple;
    public bool IsGenerator { get; } = isGenerator;
    public int Count => Items.Count;
    public override bool IsTruthy => IsGenerator || Items.Count != 0;
    public override string TypeName => IsGenerator ? "generator" : IsTuple ? "tuple" : "list";

    public static JinjaList Generator(List<JinjaValue> items) => new(items, isGenerator: true);

    /// <summary>Python's deep equality, walked without recursion (see <see cref="ValueEquality"/>).</summary>
    public override bool Equals(JinjaValue? other) => other is not null && ValueEquality.Equal(this, other, null);

    /// <summary>
    /// Hashes the items one level deep (a nested list by its length), so hashing never recurses: equal lists still
    /// hash alike, which is all a dict key needs.
    /// </summary>
    public override int GetHashCode()
    {
        if (IsGenerator) return System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);
        var h = new HashCode();
        h.Add(Items.Count);
        foreach (var item in Items) h.Add(item is JinjaList l ? l.Count : item.GetHashCode());
        return h.ToHashCode();
    }
}

/// <summary>
/// An insertion-ordered dict (Python 3.7+ order, which tojson and iteration expose). A namespace() object is a dict
/// flagged <see cref="IsNamespace"/>: the one kind of object a template may assign attributes on.
/// </summary>
public sealed class JinjaDict : JinjaValue
{
    public JinjaDict(bool isNamespace = false) => IsNamespace = isNamespace;
    public OrderedDictionary<JinjaValue, JinjaValue> Items { get; } = new();
    public bool IsNamespace { get; }
    public int Count => Items.Count;
    public override bool IsTruthy => IsNamespace || Items.Count != 0;
    public override string TypeName => IsNamespace ? "Namespace" : "dict";

    public void Set(string key, JinjaValue value) => Items[new JinjaString(key)] = value;

    public bool TryGet(string key, out JinjaValue value) => Items.TryGetValue(new JinjaString(key), out value!);

    /// <summary>Python's deep equality, walked without recursion (see <see cref="ValueEquality"/>); namespaces by identity.</summary>
    public override bool Equals(JinjaValue? other) => other is not null && ValueEquality.Equal(this, other, null);
    public override int GetHashCode() => Items.Count;
}

/// <summary>
/// Jinja2's default Undefined: prints as empty, is falsy, iterates as empty, has length 0; any other use
/// (attribute access, arithmetic, calling) raises an error naming what was missing.
/// </summary>
public sealed class JinjaUndefined(string description) : JinjaValue
{
    public static readonly JinjaUndefined Anonymous = new("value");
    /// <summary>E.g. "'foo' is undefined" or "'dict object' has no attribute 'x'".</summary>
    public string Description { get; } = description;
    public override bool IsTruthy => false;
    public override string TypeName => "Undefined";
    public override bool Equals(JinjaValue? other) => other is JinjaUndefined;
    public override int GetHashCode() => 0x556E64;
}

/// <summary>A function value: a global (range, namespace, raise_exception), a macro, or a bound method.</summary>
public sealed class JinjaCallable(string name, Func<JinjaArguments, JinjaValue> invoke) : JinjaValue
{
    public string Name { get; } = name;
    public Func<JinjaArguments, JinjaValue> Invoke { get; } = invoke;
    public override bool IsTruthy => true;
    public override string TypeName => "function";
    public override bool Equals(JinjaValue? other) => ReferenceEquals(this, other);
    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);
}

/// <summary>
/// Evaluated call arguments: positional, then keyword in source order. They carry the render's budget, so that a
/// callable (a global, a bound method, a filter) spends from the render that called it.
/// </summary>
public sealed class JinjaArguments
{
    /// <summary>Arguments for a call outside a render, with the default limits.</summary>
    public JinjaArguments(List<JinjaValue> positional, List<KeyValuePair<string, JinjaValue>> keyword)
        : this(positional, keyword, RenderBudget.Detached()) { }

    internal JinjaArguments(List<JinjaValue> positional, List<KeyValuePair<string, JinjaValue>> keyword, RenderBudget budget)
    {
        Positional = positional;
        Keyword = keyword;
        Budget = budget;
    }

    public List<JinjaValue> Positional { get; }
    public List<KeyValuePair<string, JinjaValue>> Keyword { get; }
    internal RenderBudget Budget { get; }

    /// <summary>The argument at <paramref name="index"/> or named <paramref name="name"/>, else <paramref name="fallback"/>.</summary>
    public JinjaValue Get(int index, string name, JinjaValue fallback)
    {
        if (index >= 0 && index < Positional.Count) return Positional[index];
        foreach (var kv in Keyword)
            if (kv.Key == name) return kv.Value;
        return fallback;
    }

    public JinjaValue? GetOrNull(int index, string name)
    {
        if (index >= 0 && index < Positional.Count) return Positional[index];
        foreach (var kv in Keyword)
            if (kv.Key == name) return kv.Value;
        return null;
    }
}
