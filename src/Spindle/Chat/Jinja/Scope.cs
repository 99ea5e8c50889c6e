namespace Spindle.Chat.Jinja;

/// <summary>
/// A variable frame. Jinja2 gives a new frame to each for-loop iteration and each macro call (so <c>set</c> inside
/// them neither leaks out nor survives into the next iteration, which is why templates use <c>namespace()</c>);
/// <c>if</c> and other blocks share their parent's. A loop pass binds one or two names (the target and <c>loop</c>),
/// so the first two live in fields and a dictionary is made only for a third: a pass then allocates one small object.
/// </summary>
internal sealed class Scope(Scope? parent)
{
    private string? _name0, _name1;
    private JinjaValue? _value0, _value1;
    private Dictionary<string, JinjaValue>? _more;

    public Scope? Parent { get; } = parent;

    public bool TryLookup(string name, out JinjaValue value)
    {
        for (var s = this; s != null; s = s.Parent)
            if (s.TryGetLocal(name, out value)) return true;
        value = null!;
        return false;
    }

    public bool TryLookupLocal(string name) => TryGetLocal(name, out _);

    private bool TryGetLocal(string name, out JinjaValue value)
    {
        if (_name0 != null && string.Equals(_name0, name, StringComparison.Ordinal)) { value = _value0!; return true; }
        if (_name1 != null && string.Equals(_name1, name, StringComparison.Ordinal)) { value = _value1!; return true; }
        if (_more != null) return _more.TryGetValue(name, out value!);
        value = null!;
        return false;
    }

    public void Set(string name, JinjaValue value)
    {
        if (_name0 == null || string.Equals(_name0, name, StringComparison.Ordinal)) { _name0 = name; _value0 = value; }
        else if (_name1 == null || string.Equals(_name1, name, StringComparison.Ordinal)) { _name1 = name; _value1 = value; }
        else (_more ??= new(StringComparer.Ordinal))[name] = value;
    }
}
