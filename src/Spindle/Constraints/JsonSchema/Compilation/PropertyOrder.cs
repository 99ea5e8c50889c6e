namespace Spindle.Constraints.JsonSchema.Compilation;

/// <summary>Which orders of an object's declared properties the compiled grammar accepts.</summary>
public enum PropertyOrder
{
    /// <summary>Any order, each key at most once (exact: every valid instance is accepted as written).</summary>
    Any,

    /// <summary>
    /// Declared properties in the order of <c>properties</c> (as llguidance and XGrammar do); extra keys anywhere.
    /// Smaller grammar, but rejects valid instances written in another order.
    /// </summary>
    Schema,
}
