using System.Text.Json;

namespace Spindle.Constraints.JsonSchema.Validation.Keywords;

/// <summary>One compiled keyword (or keyword family, e.g. properties+patternProperties+additionalProperties,
/// which must see each other's matches).</summary>
internal abstract class Keyword
{
    protected Keyword(string location) => Location = location;

    /// <summary>Absolute keyword location reported in errors, computed once at compile time.</summary>
    public string Location { get; }

    /// <summary>unevaluated* keywords read the annotations of all their siblings, so they run last.</summary>
    public virtual bool RunsLast => false;

    /// <summary>Evaluates the keyword against <paramref name="instance"/>. <paramref name="annotations"/> is non-null
    /// when some enclosing schema needs to know what was evaluated; applicators record into it.</summary>
    public abstract bool Evaluate(JsonElement instance, EvaluationContext context, Annotations? annotations);
}
