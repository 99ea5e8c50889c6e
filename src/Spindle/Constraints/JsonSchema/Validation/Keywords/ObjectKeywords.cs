using System.Text.Json;
using System.Text.RegularExpressions;

namespace Spindle.Constraints.JsonSchema.Validation.Keywords;

/// <summary>properties + patternProperties + additionalProperties: one pass over the instance's members, because
/// additionalProperties applies exactly to names the other two did not match.</summary>
internal sealed class PropertiesKeyword(
    string location,
    Dictionary<string, SchemaNode>? properties,
    (Regex Regex, SchemaNode Schema)[] patterns,
    SchemaNode? additional,
    string additionalLocation) : Keyword(location)
{
    public override bool Evaluate(JsonElement instance, EvaluationContext context, Annotations? annotations)
    {
        if (instance.ValueKind != JsonValueKind.Object) return true;
        bool valid = true;
        foreach (var member in instance.EnumerateObject())
        {
            string name = member.Name;
            bool matched = false;
            context.PushProperty(name);
            if (properties != null && properties.TryGetValue(name, out var schema))
            {
                matched = true;
                if (!schema.Evaluate(member.Value, context, null)) valid = false;
            }
            for (int i = 0; i < patterns.Length; i++)
            {
                if (!EcmaRegex.IsMatch(patterns[i].Regex, name)) continue;
                matched = true;
                if (!patterns[i].Schema.Evaluate(member.Value, context, null)) valid = false;
            }
            if (!matched && additional != null)
            {
                matched = true;
                if (!additional.Evaluate(member.Value, context, null))
                {
                    valid = false;
                    context.AddError(additionalLocation, $"additional property '{name}' is not allowed");
                }
            }
            context.Pop();
            if (matched) annotations?.AddProperty(name);
            if (!valid && context.StopAtFirstError) return false;
        }
        return valid;
    }
}

/// <summary>required: every listed name is present.</summary>
internal sealed class RequiredKeyword(string location, string[] names) : Keyword(location)
{
    public override bool Evaluate(JsonElement instance, EvaluationContext context, Annotations? annotations)
    {
        if (instance.ValueKind != JsonValueKind.Object) return true;
        bool valid = true;
        foreach (var name in names)
        {
            if (instance.TryGetProperty(name, out _)) continue;
            valid = false;
            context.AddError(Location, $"required property '{name}' is missing");
            if (context.StopAtFirstError) break;
        }
        return valid;
    }
}

/// <summary>minProperties / maxProperties.</summary>
internal sealed class PropertyCountKeyword(string location, long limit, bool isMaximum) : Keyword(location)
{
    public override bool Evaluate(JsonElement instance, EvaluationContext context, Annotations? annotations)
    {
        if (instance.ValueKind != JsonValueKind.Object) return true;
        int n = 0;
        foreach (var _ in instance.EnumerateObject()) n++;
        bool ok = isMaximum ? n <= limit : n >= limit;
        if (!ok) context.AddError(Location, $"object has {n} properties, must have {(isMaximum ? "at most" : "at least")} {limit}");
        return ok;
    }
}

/// <summary>propertyNames: each member name, as a JSON string, validates against the schema.</summary>
internal sealed class PropertyNamesKeyword(string location, SchemaNode schema) : Keyword(location)
{
    public override bool Evaluate(JsonElement instance, EvaluationContext context, Annotations? annotations)
    {
        if (instance.ValueKind != JsonValueKind.Object) return true;
        bool valid = true;
        foreach (var member in instance.EnumerateObject())
        {
            // A name is not a JsonElement; wrap it once so every keyword sees an ordinary string instance.
            using var doc = NameAsDocument(member.Name);
            if (!schema.Evaluate(doc.RootElement, context, null))
            {
                valid = false;
                context.AddError(Location, $"property name '{member.Name}' is invalid");
                if (context.StopAtFirstError) return false;
            }
        }
        return valid;
    }

    private static JsonDocument NameAsDocument(string name)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(name.Length + 8);
        using (var writer = new Utf8JsonWriter(buffer)) writer.WriteStringValue(name);
        return JsonDocument.Parse(buffer.WrittenMemory);
    }
}

/// <summary>dependentRequired (and the array form of draft-7 dependencies).</summary>
internal sealed class DependentRequiredKeyword(string location, (string Trigger, string[] Names)[] dependencies) : Keyword(location)
{
    public override bool Evaluate(JsonElement instance, EvaluationContext context, Annotations? annotations)
    {
        if (instance.ValueKind != JsonValueKind.Object) return true;
        bool valid = true;
        foreach (var (trigger, names) in dependencies)
        {
            if (!instance.TryGetProperty(trigger, out _)) continue;
            foreach (var name in names)
            {
                if (instance.TryGetProperty(name, out _)) continue;
                valid = false;
                context.AddError(Location, $"property '{name}' is required when '{trigger}' is present");
            }
        }
        return valid;
    }
}

/// <summary>dependentSchemas (and the schema form of draft-7 dependencies): an in-place applicator, so its
/// annotations count for unevaluatedProperties.</summary>
internal sealed class DependentSchemasKeyword(string location, (string Trigger, SchemaNode Schema)[] dependencies) : Keyword(location)
{
    public override bool Evaluate(JsonElement instance, EvaluationContext context, Annotations? annotations)
    {
        if (instance.ValueKind != JsonValueKind.Object) return true;
        bool valid = true;
        foreach (var (trigger, schema) in dependencies)
        {
            if (!instance.TryGetProperty(trigger, out _)) continue;
            var child = annotations != null ? new Annotations() : null;
            if (schema.Evaluate(instance, context, child))
            {
                if (child != null) annotations!.Merge(child);
            }
            else
            {
                valid = false;
                context.AddError(Location, $"dependent schema of '{trigger}' failed");
                if (context.StopAtFirstError) return false;
            }
        }
        return valid;
    }
}
