namespace Spindle.Chat.Jinja;

/// <summary>Jinja2's built-in tests (<c>x is defined</c>, <c>n is divisibleby 3</c>) with Python's type rules.</summary>
internal static class Tests
{
    public static bool Apply(string name, JinjaValue v, JinjaArguments a)
    {
        var budget = a.Budget;
        budget.Read(v);
        switch (name)
        {
            case "defined": return v is not JinjaUndefined;
            case "undefined": return v is JinjaUndefined;
            case "none": return v is JinjaNone;
            case "boolean": return v is JinjaBool;
            case "true": return v is JinjaBool { Value: true };
            case "false": return v is JinjaBool { Value: false };
            case "integer": return v is JinjaInt;
            case "float": return v is JinjaFloat;
            case "number": return v is JinjaInt or JinjaFloat or JinjaBool; // bool is a numbers.Number in Python
            case "string": return v is JinjaString;
            case "mapping": return v is JinjaDict { IsNamespace: false };
            case "iterable": return v is JinjaString or JinjaList or JinjaDict { IsNamespace: false } or JinjaUndefined;
            case "sequence": return v is JinjaString or JinjaList or JinjaDict { IsNamespace: false } or JinjaUndefined;
            case "callable": return v is JinjaCallable;
            // value % n == 0 with Python's arithmetic, so 2.5 is neither odd nor even.
            case "odd": return Ops.Binary("%", v, JinjaInt.Of(2), budget).Equals(JinjaInt.Of(1));
            case "even": return Ops.Binary("%", v, JinjaInt.Of(2), budget).Equals(JinjaInt.Of(0));
            case "divisibleby": return Ops.Binary("%", v, Arg(a, 0, "num"), budget).Equals(JinjaInt.Of(0));
            case "eq" or "equalto" or "==": return ValueEquality.Equal(v, Arg(a, 0, "other"), budget);
            case "ne" or "!=": return !ValueEquality.Equal(v, Arg(a, 0, "other"), budget);
            case "lt" or "lessthan" or "<": return Ops.Order(v, Arg(a, 0, "other"), budget) < 0;
            case "le" or "<=": return Ops.Order(v, Arg(a, 0, "other"), budget) <= 0;
            case "gt" or "greaterthan" or ">": return Ops.Order(v, Arg(a, 0, "other"), budget) > 0;
            case "ge" or ">=": return Ops.Order(v, Arg(a, 0, "other"), budget) >= 0;
            case "in": return Ops.Contains(Arg(a, 0, "seq"), v, budget);
            case "sameas": return SameAs(v, Arg(a, 0, "other"));
            // str(value).islower(): at least one cased character and none of the other case.
            case "lower": return HasCaseOnly(PyFormat.Str(v, budget), upper: false);
            case "upper": return HasCaseOnly(PyFormat.Str(v, budget), upper: true);
            case "escaped": return false;
            case "filter": return Arg(a, 0, "value") is JinjaString f && Filters.Exists(f.Value);
            case "test": return Arg(a, 0, "value") is JinjaString t && Exists(t.Value);
            default: throw new JinjaRuntimeException($"No test named '{name}'.");
        }
    }

    private static readonly HashSet<string> Names =
    [
        "defined", "undefined", "none", "boolean", "true", "false", "integer", "float", "number", "string", "mapping",
        "iterable", "sequence", "callable", "odd", "even", "divisibleby", "eq", "equalto", "==", "ne", "!=", "lt",
        "lessthan", "<", "le", "<=", "gt", "greaterthan", ">", "ge", ">=", "in", "sameas", "lower", "upper", "escaped",
        "filter", "test",
    ];

    public static bool Exists(string name) => Names.Contains(name);

    private static bool HasCaseOnly(string s, bool upper)
    {
        bool cased = false;
        foreach (char c in s)
        {
            if (char.IsUpper(c)) { if (!upper) return false; cased = true; }
            else if (char.IsLower(c)) { if (upper) return false; cased = true; }
        }
        return cased;
    }

    private static JinjaValue Arg(JinjaArguments a, int i, string name) =>
        a.GetOrNull(i, name) ?? throw Ops.TypeError($"test is missing its argument '{name}'");

    // Python `is`: singletons compare by identity, other values by reference.
    private static bool SameAs(JinjaValue x, JinjaValue y) => (x, y) switch
    {
        (JinjaNone, JinjaNone) => true,
        (JinjaBool bx, JinjaBool by) => bx.Value == by.Value,
        _ => ReferenceEquals(x, y),
    };
}
