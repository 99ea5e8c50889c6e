namespace Spindle.Chat.Jinja;

/// <summary>
/// A variable frame. Jinja2 gives a new frame to each for-loop iteration and each macro call (so <c>set</c> inside
/// them neither leaks out nor survives into the next iteration, which is why templates use <c>namespace()</c>);
/// <c>if</c> and other blocks share their parent's.
/// </summary>
internal sealed class Scope(Scope? parent)
{
    private readonly Dictionary<string, JinjaValue> _vars = new(StringComparer.Ordinal);

    public Scope? Parent { get; } = parent;

    public bool TryLookup(string name, out JinjaValue value)
    {
        for (var s = this; s != null; s = s.Parent)
            if (s._vars.TryGetValue(name, out value!)) return true;
        value = null!;
        return false;
    }

    public bool TryLookupLocal(string name) => _vars.ContainsKey(name);

    public void Set(string name, JinjaValue value) => _vars[name] = value;
}
