using System.Text.Json;

namespace Spindle.Constraints.JsonSchema.Validation.Keywords;

/// <summary>unevaluatedProperties: applies to members no sibling or in-place applicator evaluated.
/// Runs last so every sibling has recorded its annotations.</summary>
internal sealed class UnevaluatedPropertiesKeyword(string location, SchemaNode schema) : Keyword(location)
{
    public override bool RunsLast => true;

    public override bool Evaluate(JsonElement instance, EvaluationContext context, Annotations? annotations)
    {
        if (instance.ValueKind != JsonValueKind.Object) return true;
        // The owning node always allocates annotations when it has an unevaluated* keyword.
        var seen = annotations!;
        bool valid = true;
        List<string>? evaluatedNow = null;
        foreach (var member in instance.EnumerateObject())
        {
            if (seen.IsPropertyEvaluated(member.Name)) continue;
            context.PushProperty(member.Name);
            bool ok = schema.Evaluate(member.Value, context, null);
            context.Pop();
            if (!ok)
            {
                valid = false;
                context.AddError(Location, $"unevaluated property '{member.Name}' is not allowed");
                if (context.StopAtFirstError) return false;
            }
            (evaluatedNow ??= []).Add(member.Name);
        }
        if (evaluatedNow != null)
            foreach (var name in evaluatedNow) seen.AddProperty(name);
        return valid;
    }
}

/// <summary>unevaluatedItems: applies to items past the evaluated prefix that contains did not match either.</summary>
internal sealed class UnevaluatedItemsKeyword(string location, SchemaNode schema) : Keyword(location)
{
    public override bool RunsLast => true;

    public override bool Evaluate(JsonElement instance, EvaluationContext context, Annotations? annotations)
    {
        if (instance.ValueKind != JsonValueKind.Array) return true;
        var seen = annotations!;
        if (seen.AllItems) return true;
        bool valid = true;
        int index = 0;
        foreach (var item in instance.EnumerateArray())
        {
            if (!seen.IsItemEvaluated(index))
            {
                context.PushIndex(index);
                bool ok = schema.Evaluate(item, context, null);
                context.Pop();
                if (!ok)
                {
                    valid = false;
                    context.AddError(Location, $"unevaluated item {index} is not allowed");
                    if (context.StopAtFirstError) return false;
                }
            }
            index++;
        }
        seen.AllItems = true;
        return valid;
    }
}
