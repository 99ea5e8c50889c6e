using System.Text.Json;

namespace Spindle.Constraints.JsonSchema.Validation.Keywords;

[Flags]
internal enum JsonTypes
{
    None = 0, Null = 1, Boolean = 2, Object = 4, Array = 8, Number = 16, String = 32, Integer = 64,
}

/// <summary>type: a set of names, "integer" accepting any number with a zero fractional part (1.0 included).</summary>
/// Draft 4 predates that: there an integer is a literal without fraction or exponent, as its reference
/// implementations (which parse 1.0 as a float) decide.
internal sealed class TypeKeyword(string location, JsonTypes allowed, string text, bool literalIntegers) : Keyword(location)
{
    public override bool Evaluate(JsonElement instance, EvaluationContext context, Annotations? annotations)
    {
        bool ok = instance.ValueKind switch
        {
            JsonValueKind.Null => (allowed & JsonTypes.Null) != 0,
            JsonValueKind.True or JsonValueKind.False => (allowed & JsonTypes.Boolean) != 0,
            JsonValueKind.Object => (allowed & JsonTypes.Object) != 0,
            JsonValueKind.Array => (allowed & JsonTypes.Array) != 0,
            JsonValueKind.String => (allowed & JsonTypes.String) != 0,
            JsonValueKind.Number => (allowed & JsonTypes.Number) != 0
                                    || ((allowed & JsonTypes.Integer) != 0 && IsInteger(instance)),
            _ => false,
        };
        if (!ok) context.AddError(Location, $"expected type {text}, got {JsonValues.TypeName(instance)}");
        return ok;
    }

    private bool IsInteger(JsonElement number)
    {
        if (!literalIntegers) return JsonValues.IsInteger(number);
        string raw = number.GetRawText();
        return raw.IndexOfAny(['.', 'e', 'E']) < 0;
    }

    public static JsonTypes Parse(string name, string location) => name switch
    {
        "null" => JsonTypes.Null,
        "boolean" => JsonTypes.Boolean,
        "object" => JsonTypes.Object,
        "array" => JsonTypes.Array,
        "number" => JsonTypes.Number,
        "string" => JsonTypes.String,
        "integer" => JsonTypes.Integer,
        "any" => JsonTypes.Null | JsonTypes.Boolean | JsonTypes.Object | JsonTypes.Array | JsonTypes.Number | JsonTypes.String, // draft 3 leftovers in the wild
        _ => throw new JsonSchemaException($"{location}: unknown type '{name}'"),
    };
}

/// <summary>enum: the instance equals one of the listed values under JSON equality.</summary>
internal sealed class EnumKeyword(string location, JsonElement[] values) : Keyword(location)
{
    public override bool Evaluate(JsonElement instance, EvaluationContext context, Annotations? annotations)
    {
        foreach (var v in values)
            if (JsonValues.DeepEquals(v, instance)) return true;
        context.AddError(Location, "value is not one of the enumerated values");
        return false;
    }
}

/// <summary>const: JSON equality with a single value.</summary>
internal sealed class ConstKeyword(string location, JsonElement value) : Keyword(location)
{
    public override bool Evaluate(JsonElement instance, EvaluationContext context, Annotations? annotations)
    {
        if (JsonValues.DeepEquals(value, instance)) return true;
        context.AddError(Location, $"value must equal {value.GetRawText()}");
        return false;
    }
}
