using System.Text.Json;

namespace Spindle.Constraints.JsonSchema.Validation.Keywords;

/// <summary>Positional items: 2020-12 prefixItems + items, or draft ≤ 2019-09 items (schema or tuple) + additionalItems.
/// One keyword because the rest-schema applies only past the prefix.</summary>
internal sealed class ItemsKeyword(string location, SchemaNode[] prefix, SchemaNode? rest, string restLocation) : Keyword(location)
{
    public override bool Evaluate(JsonElement instance, EvaluationContext context, Annotations? annotations)
    {
        if (instance.ValueKind != JsonValueKind.Array) return true;
        bool valid = true;
        int index = 0;
        foreach (var item in instance.EnumerateArray())
        {
            SchemaNode? schema = index < prefix.Length ? prefix[index] : rest;
            if (schema == null) break;
            context.PushIndex(index);
            bool ok = schema.Evaluate(item, context, null);
            context.Pop();
            if (!ok)
            {
                valid = false;
                if (context.StopAtFirstError) return false;
            }
            index++;
        }
        if (!valid) context.AddError(index >= prefix.Length && rest != null ? restLocation : Location, "array items do not match");
        if (annotations != null)
        {
            if (rest != null) annotations.AllItems = true;
            else if (prefix.Length > annotations.ItemPrefix) annotations.ItemPrefix = prefix.Length;
        }
        return valid;
    }
}

/// <summary>contains with minContains / maxContains (draft ≤ 7: exactly "at least one").</summary>
internal sealed class ContainsKeyword(string location, SchemaNode schema, long minContains, long maxContains, bool annotateIndices) : Keyword(location)
{
    public override bool Evaluate(JsonElement instance, EvaluationContext context, Annotations? annotations)
    {
        if (instance.ValueKind != JsonValueKind.Array) return true;
        int errorMark = context.ErrorCount;
        long matches = 0;
        int index = 0;
        bool needAll = annotations != null && annotateIndices;
        foreach (var item in instance.EnumerateArray())
        {
            context.PushIndex(index);
            bool ok = schema.Evaluate(item, context, null);
            context.Pop();
            if (ok)
            {
                matches++;
                if (needAll) annotations!.AddContains(index);
                else if (matches >= minContains && maxContains == long.MaxValue) break; // outcome fixed; later items can't change it
            }
            index++;
        }
        // Non-matching items are expected with contains; their errors explain nothing.
        context.TruncateErrors(errorMark);
        if (matches < minContains)
        {
            context.AddError(Location, $"array must contain at least {minContains} matching item(s), found {matches}");
            return false;
        }
        if (matches > maxContains)
        {
            context.AddError(Location, $"array must contain at most {maxContains} matching item(s), found {matches}");
            return false;
        }
        return true;
    }
}

/// <summary>minItems / maxItems.</summary>
internal sealed class ItemCountKeyword(string location, long limit, bool isMaximum) : Keyword(location)
{
    public override bool Evaluate(JsonElement instance, EvaluationContext context, Annotations? annotations)
    {
        if (instance.ValueKind != JsonValueKind.Array) return true;
        int n = instance.GetArrayLength();
        bool ok = isMaximum ? n <= limit : n >= limit;
        if (!ok) context.AddError(Location, $"array has {n} items, must have {(isMaximum ? "at most" : "at least")} {limit}");
        return ok;
    }
}

/// <summary>uniqueItems: no two items equal under JSON equality; hashed so large arrays stay linear.</summary>
internal sealed class UniqueItemsKeyword(string location) : Keyword(location)
{
    public override bool Evaluate(JsonElement instance, EvaluationContext context, Annotations? annotations)
    {
        if (instance.ValueKind != JsonValueKind.Array) return true;
        int n = instance.GetArrayLength();
        if (n < 2) return true;
        var seen = new Dictionary<int, List<int>>(n);
        for (int i = 0; i < n; i++)
        {
            var item = instance[i];
            int h = JsonValues.DeepHash(item);
            if (seen.TryGetValue(h, out var bucket))
            {
                foreach (int j in bucket)
                {
                    if (JsonValues.DeepEquals(instance[j], item))
                    {
                        context.AddError(Location, $"items {j} and {i} are equal");
                        return false;
                    }
                }
                bucket.Add(i);
            }
            else
            {
                seen[h] = [i];
            }
        }
        return true;
    }
}
