using System.Text.Json;

namespace Spindle.Constraints.JsonSchema.Validation.Keywords;

/// <summary>minimum / maximum / exclusiveMinimum / exclusiveMaximum (numeric forms, and draft 4's boolean
/// exclusive flags folded in at compile time).</summary>
internal sealed class NumberBoundKeyword(string location, JsonElement limit, bool isMaximum, bool exclusive) : Keyword(location)
{
    public override bool Evaluate(JsonElement instance, EvaluationContext context, Annotations? annotations)
    {
        if (instance.ValueKind != JsonValueKind.Number) return true;
        int c = JsonValues.CompareNumbers(instance, limit);
        bool ok = isMaximum ? (exclusive ? c < 0 : c <= 0) : (exclusive ? c > 0 : c >= 0);
        if (!ok)
            context.AddError(Location, $"{instance.GetRawText()} must be {(isMaximum ? (exclusive ? "<" : "<=") : (exclusive ? ">" : ">="))} {limit.GetRawText()}");
        return ok;
    }
}

/// <summary>multipleOf: exact with decimal arithmetic (0.0075 is a multiple of 0.0001), IEEE remainder beyond
/// decimal's range (fmod is exact, so 1e308 is a multiple of 0.5 without overflowing a quotient).</summary>
internal sealed class MultipleOfKeyword : Keyword
{
    private readonly JsonElement _divisor;
    private readonly bool _hasDecimal;
    private readonly decimal _decimalDivisor;
    private readonly double _doubleDivisor;

    public MultipleOfKeyword(string location, JsonElement divisor) : base(location)
    {
        _divisor = divisor;
        _hasDecimal = divisor.TryGetDecimal(out _decimalDivisor);
        _doubleDivisor = divisor.GetDouble();
    }

    public override bool Evaluate(JsonElement instance, EvaluationContext context, Annotations? annotations)
    {
        if (instance.ValueKind != JsonValueKind.Number) return true;
        bool ok;
        if (_hasDecimal && instance.TryGetDecimal(out decimal x))
        {
            ok = x % _decimalDivisor == 0m;
        }
        else
        {
            double d = instance.GetDouble();
            ok = double.IsFinite(d) && d % _doubleDivisor == 0.0;
        }
        if (!ok) context.AddError(Location, $"{instance.GetRawText()} is not a multiple of {_divisor.GetRawText()}");
        return ok;
    }
}
