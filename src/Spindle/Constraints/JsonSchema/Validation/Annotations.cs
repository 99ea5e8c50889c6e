namespace Spindle.Constraints.JsonSchema.Validation;

/// <summary>What the keywords of one schema object (and its in-place applicators) evaluated in the current instance:
/// the input of unevaluatedProperties / unevaluatedItems. Only allocated when some schema on the path has an
/// unevaluated* keyword, so schemas without them pay nothing.</summary>
internal sealed class Annotations
{
    /// <summary>Names evaluated by properties, patternProperties, additionalProperties, unevaluatedProperties.</summary>
    public HashSet<string>? Properties;

    /// <summary>Items [0, ItemPrefix) were evaluated by prefixItems / tuple items.</summary>
    public int ItemPrefix;

    /// <summary>Every item was evaluated (items, additionalItems, unevaluatedItems applied to the rest).</summary>
    public bool AllItems;

    /// <summary>Indices matched by contains (2020-12 makes these count as evaluated).</summary>
    public HashSet<int>? ContainsIndices;

    public void AddProperty(string name) => (Properties ??= new HashSet<string>(StringComparer.Ordinal)).Add(name);

    public void AddContains(int index) => (ContainsIndices ??= []).Add(index);

    public bool IsPropertyEvaluated(string name) => Properties != null && Properties.Contains(name);

    public bool IsItemEvaluated(int index) =>
        AllItems || index < ItemPrefix || (ContainsIndices != null && ContainsIndices.Contains(index));

    /// <summary>Folds a successful subschema's annotations into this one.</summary>
    public void Merge(Annotations other)
    {
        if (other.Properties != null)
        {
            if (Properties == null) Properties = new HashSet<string>(other.Properties, StringComparer.Ordinal);
            else Properties.UnionWith(other.Properties);
        }
        if (other.ItemPrefix > ItemPrefix) ItemPrefix = other.ItemPrefix;
        AllItems |= other.AllItems;
        if (other.ContainsIndices != null)
        {
            if (ContainsIndices == null) ContainsIndices = [.. other.ContainsIndices];
            else ContainsIndices.UnionWith(other.ContainsIndices);
        }
    }
}
