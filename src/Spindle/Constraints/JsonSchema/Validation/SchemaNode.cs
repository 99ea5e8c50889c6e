using System.Text.Json;
using Spindle.Constraints.JsonSchema.Validation.Keywords;

namespace Spindle.Constraints.JsonSchema.Validation;

/// <summary>A compiled schema object or boolean schema. Nodes are created before their keywords are filled in,
/// so recursive $refs can point at a node that is still being compiled.</summary>
internal sealed class SchemaNode
{
    private Keyword[] _keywords = [];

    public SchemaNode(string location, bool? booleanValue, SchemaResource resource, bool hasUnevaluated)
    {
        Location = location;
        BooleanValue = booleanValue;
        Resource = resource;
        HasUnevaluated = hasUnevaluated;
    }

    /// <summary>Absolute URI of this schema: resource URI plus JSON Pointer fragment.</summary>
    public string Location { get; }

    /// <summary>true/false for boolean schemas, null for objects.</summary>
    public bool? BooleanValue { get; }

    /// <summary>The schema resource this node belongs to. Evaluation entering a node of another resource (through
    /// $ref or an embedded $id) adds that resource to the dynamic scope, which $dynamicRef searches.</summary>
    public SchemaResource Resource { get; }

    /// <summary>Has unevaluatedProperties/Items itself, so it needs annotations even if no ancestor asked for them.</summary>
    public bool HasUnevaluated { get; }

    internal void SetKeywords(Keyword[] keywords) => _keywords = keywords;

    public bool Evaluate(JsonElement instance, EvaluationContext context, Annotations? annotations)
    {
        if (BooleanValue is bool b)
        {
            if (!b) context.AddError(Location, "false schema allows nothing");
            return b;
        }
        if (annotations == null && HasUnevaluated) annotations = new Annotations();
        context.Enter(Location);
        bool entered = context.EnterResourceIfNew(Resource);
        bool valid = true;
        var keywords = _keywords;
        for (int i = 0; i < keywords.Length; i++)
        {
            if (!keywords[i].Evaluate(instance, context, annotations))
            {
                valid = false;
                // Annotations are only needed from valid schemas, so once invalid nothing more is required here.
                if (context.StopAtFirstError) break;
            }
        }
        if (entered) context.LeaveResource();
        context.Leave();
        return valid;
    }
}

/// <summary>A schema resource (a document root or a subschema with $id), the unit of the dynamic scope.</summary>
internal sealed class SchemaResource(string uri)
{
    public string Uri { get; } = uri;

    /// <summary>$dynamicAnchor name → node, filled after compilation (also "" for a 2019-09 $recursiveAnchor: true).</summary>
    public Dictionary<string, SchemaNode> DynamicAnchors { get; } = new(StringComparer.Ordinal);

    public override string ToString() => Uri;
}
