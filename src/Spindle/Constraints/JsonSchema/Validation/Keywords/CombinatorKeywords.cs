using System.Text.Json;

namespace Spindle.Constraints.JsonSchema.Validation.Keywords;

/// <summary>allOf: every subschema; annotations of all merge (they all must pass anyway).</summary>
internal sealed class AllOfKeyword(string location, SchemaNode[] schemas) : Keyword(location)
{
    public override bool Evaluate(JsonElement instance, EvaluationContext context, Annotations? annotations)
    {
        bool valid = true;
        foreach (var schema in schemas)
        {
            var child = annotations != null ? new Annotations() : null;
            if (schema.Evaluate(instance, context, child))
            {
                if (child != null) annotations!.Merge(child);
            }
            else
            {
                valid = false;
                if (context.StopAtFirstError) break;
            }
        }
        if (!valid) context.AddError(Location, "not all subschemas of allOf matched");
        return valid;
    }
}

/// <summary>anyOf: at least one. When annotations are being collected every branch must run, because each
/// passing branch contributes evaluated properties/items; otherwise the first success decides.</summary>
internal sealed class AnyOfKeyword(string location, SchemaNode[] schemas) : Keyword(location)
{
    public override bool Evaluate(JsonElement instance, EvaluationContext context, Annotations? annotations)
    {
        int errorMark = context.ErrorCount;
        bool any = false;
        foreach (var schema in schemas)
        {
            var child = annotations != null ? new Annotations() : null;
            if (!schema.Evaluate(instance, context, child)) continue;
            any = true;
            if (child == null) break;
            annotations!.Merge(child);
        }
        if (any)
        {
            context.TruncateErrors(errorMark);
            return true;
        }
        context.AddError(Location, "no subschema of anyOf matched");
        return false;
    }
}

/// <summary>oneOf: exactly one.</summary>
internal sealed class OneOfKeyword(string location, SchemaNode[] schemas) : Keyword(location)
{
    public override bool Evaluate(JsonElement instance, EvaluationContext context, Annotations? annotations)
    {
        int errorMark = context.ErrorCount;
        int matched = 0;
        int first = -1;
        Annotations? winner = null;
        for (int i = 0; i < schemas.Length; i++)
        {
            var child = annotations != null ? new Annotations() : null;
            if (!schemas[i].Evaluate(instance, context, child)) continue;
            if (++matched == 1)
            {
                first = i;
                winner = child;
            }
            else
            {
                context.TruncateErrors(errorMark);
                context.AddError(Location, $"subschemas {first} and {i} of oneOf both matched");
                return false;
            }
        }
        if (matched == 0)
        {
            context.AddError(Location, "no subschema of oneOf matched");
            return false;
        }
        context.TruncateErrors(errorMark);
        if (winner != null) annotations!.Merge(winner);
        return true;
    }
}

/// <summary>not: inverts; annotations from inside never survive.</summary>
internal sealed class NotKeyword(string location, SchemaNode schema) : Keyword(location)
{
    public override bool Evaluate(JsonElement instance, EvaluationContext context, Annotations? annotations)
    {
        int errorMark = context.ErrorCount;
        bool inner = schema.Evaluate(instance, context, null);
        context.TruncateErrors(errorMark);
        if (inner) context.AddError(Location, "value must not match the 'not' schema");
        return !inner;
    }
}

/// <summary>if/then/else: the 'if' result only selects a branch; its own errors are never reported, but its
/// annotations count when it passes.</summary>
internal sealed class IfThenElseKeyword(string location, SchemaNode condition, SchemaNode? then, SchemaNode? @else,
    string thenLocation, string elseLocation) : Keyword(location)
{
    public override bool Evaluate(JsonElement instance, EvaluationContext context, Annotations? annotations)
    {
        if (then == null && @else == null && annotations == null) return true;
        int errorMark = context.ErrorCount;
        var condAnnotations = annotations != null ? new Annotations() : null;
        bool condition1 = condition.Evaluate(instance, context, condAnnotations);
        context.TruncateErrors(errorMark);
        if (condition1 && condAnnotations != null) annotations!.Merge(condAnnotations);
        var branch = condition1 ? then : @else;
        if (branch == null) return true;
        var child = annotations != null ? new Annotations() : null;
        if (branch.Evaluate(instance, context, child))
        {
            if (child != null) annotations!.Merge(child);
            return true;
        }
        context.AddError(condition1 ? thenLocation : elseLocation, condition1 ? "'then' schema failed" : "'else' schema failed");
        return false;
    }
}
