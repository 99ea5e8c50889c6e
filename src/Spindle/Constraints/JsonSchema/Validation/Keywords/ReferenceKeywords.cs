using System.Text.Json;

namespace Spindle.Constraints.JsonSchema.Validation.Keywords;

/// <summary>$ref: statically resolved at compile time; the target may be the node being compiled (recursion).</summary>
internal sealed class RefKeyword(string location, SchemaNode target) : Keyword(location)
{
    public override bool Evaluate(JsonElement instance, EvaluationContext context, Annotations? annotations)
    {
        var child = annotations != null ? new Annotations() : null;
        if (target.Evaluate(instance, context, child))
        {
            if (child != null) annotations!.Merge(child);
            return true;
        }
        return false;
    }
}

/// <summary>$dynamicRef (2020-12) / $recursiveRef (2019-09). Resolves statically first; only when that target
/// carries the matching dynamic anchor does the dynamic scope get searched, outermost resource first.</summary>
internal sealed class DynamicRefKeyword(string location, SchemaNode staticTarget, string? anchorName) : Keyword(location)
{
    public override bool Evaluate(JsonElement instance, EvaluationContext context, Annotations? annotations)
    {
        var target = staticTarget;
        if (anchorName != null)
        {
            var scope = context.DynamicScope;
            for (int i = 0; i < scope.Count; i++)
            {
                if (scope[i].DynamicAnchors.TryGetValue(anchorName, out var dynamicTarget))
                {
                    target = dynamicTarget;
                    break;
                }
            }
        }
        var child = annotations != null ? new Annotations() : null;
        if (target.Evaluate(instance, context, child))
        {
            if (child != null) annotations!.Merge(child);
            return true;
        }
        return false;
    }
}
