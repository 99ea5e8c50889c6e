using System.Text.Json;
using System.Text.RegularExpressions;

namespace Spindle.Constraints.JsonSchema.Validation.Keywords;

/// <summary>minLength / maxLength in Unicode code points.</summary>
internal sealed class StringLengthKeyword(string location, long limit, bool isMaximum) : Keyword(location)
{
    public override bool Evaluate(JsonElement instance, EvaluationContext context, Annotations? annotations)
    {
        if (instance.ValueKind != JsonValueKind.String) return true;
        int length = JsonValues.CodePointLength(instance.GetString()!);
        bool ok = isMaximum ? length <= limit : length >= limit;
        if (!ok) context.AddError(Location, $"string length {length} must be {(isMaximum ? "<=" : ">=")} {limit}");
        return ok;
    }
}

/// <summary>pattern: an unanchored ECMA-262 regex search (translated by <see cref="EcmaRegex"/>).</summary>
internal sealed class PatternKeyword(string location, string pattern, Regex regex) : Keyword(location)
{
    public override bool Evaluate(JsonElement instance, EvaluationContext context, Annotations? annotations)
    {
        if (instance.ValueKind != JsonValueKind.String) return true;
        if (EcmaRegex.IsMatch(regex, instance.GetString()!)) return true;
        context.AddError(Location, $"string does not match pattern '{pattern}'");
        return false;
    }
}

/// <summary>format, when the options make it an assertion; unknown formats always pass, as the spec says.</summary>
internal sealed class FormatKeyword(string location, string format, Func<string, bool> check) : Keyword(location)
{
    public override bool Evaluate(JsonElement instance, EvaluationContext context, Annotations? annotations)
    {
        if (instance.ValueKind != JsonValueKind.String) return true;
        if (check(instance.GetString()!)) return true;
        context.AddError(Location, $"string is not a valid '{format}'");
        return false;
    }
}
