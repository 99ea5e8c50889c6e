namespace Spindle.Chat.Jinja;

/// <summary>
/// The <c>loop</c> variable of a for-loop pass, as Jinja2's LoopContext: <c>loop.index</c>, <c>index0</c>,
/// <c>revindex</c>, <c>revindex0</c>, <c>first</c>, <c>last</c>, <c>length</c>, <c>depth</c>, <c>depth0</c>,
/// <c>previtem</c>, <c>nextitem</c> and <c>cycle(...)</c>, each computed when read. A pass thus allocates this one
/// small object rather than a dictionary of twelve entries (which made a loop pass cost about 900 bytes).
/// </summary>
internal sealed class JinjaLoop(List<JinjaValue> items, int index) : JinjaValue
{
    public override bool IsTruthy => true;
    public override string TypeName => "LoopContext";
    public override bool Equals(JinjaValue? other) => ReferenceEquals(this, other);
    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);

    /// <summary>Jinja2's repr, e.g. "&lt;LoopContext 2/5&gt;".</summary>
    public string Repr => $"<LoopContext {index + 1}/{items.Count}>";

    /// <summary>The attribute <paramref name="name"/>, or null when a LoopContext has none.</summary>
    public JinjaValue? Get(string name)
    {
        int n = items.Count;
        return name switch
        {
            "index" => JinjaInt.Of(index + 1),
            "index0" => JinjaInt.Of(index),
            "revindex" => JinjaInt.Of(n - index),
            "revindex0" => JinjaInt.Of(n - index - 1),
            "first" => FromBool(index == 0),
            "last" => FromBool(index == n - 1),
            "length" => JinjaInt.Of(n),
            "depth" => JinjaInt.Of(1),
            "depth0" => JinjaInt.Of(0),
            "previtem" => index > 0 ? items[index - 1] : new JinjaUndefined("there is no previous item"),
            "nextitem" => index < n - 1 ? items[index + 1] : new JinjaUndefined("there is no next item"),
            "cycle" => new JinjaCallable("cycle", a =>
                a.Positional.Count == 0 ? throw new JinjaRuntimeException("no items for cycling given") : a.Positional[index % a.Positional.Count]),
            _ => null,
        };
    }
}
