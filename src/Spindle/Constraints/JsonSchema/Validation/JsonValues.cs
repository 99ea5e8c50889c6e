using System.Text.Json;

namespace Spindle.Constraints.JsonSchema.Validation;

/// <summary>JSON value semantics the spec asks for and JsonElement does not give: numbers compared by value
/// (1 == 1.0, exact for decimals), objects compared regardless of key order, code-point string length.</summary>
internal static class JsonValues
{
    /// <summary>JSON Schema's type of a value; "integer" is reported for numbers with a zero fractional part.</summary>
    public static bool IsInteger(JsonElement number)
    {
        if (number.TryGetDecimal(out decimal d)) return decimal.Truncate(d) == d;
        double x = number.GetDouble();
        // Beyond decimal's range (±7.9e28) every finite double is an integer.
        return double.IsFinite(x) && Math.Floor(x) == x;
    }

    /// <summary>Compares two JSON numbers: -1, 0, 1. Decimal when both fit (exact for the literals people write),
    /// else double.</summary>
    public static int CompareNumbers(JsonElement a, JsonElement b)
    {
        if (a.TryGetDecimal(out decimal da) && b.TryGetDecimal(out decimal db)) return da.CompareTo(db);
        return a.GetDouble().CompareTo(b.GetDouble());
    }

    public static bool DeepEquals(JsonElement a, JsonElement b)
    {
        var kind = a.ValueKind;
        if (kind != b.ValueKind)
        {
            // true/false are distinct kinds, and so is everything else: no coercion in JSON Schema equality.
            return false;
        }
        switch (kind)
        {
            case JsonValueKind.Number:
                return CompareNumbers(a, b) == 0;
            case JsonValueKind.String:
                return a.ValueEquals(b.GetString());
            case JsonValueKind.Array:
            {
                int n = a.GetArrayLength();
                if (n != b.GetArrayLength()) return false;
                for (int i = 0; i < n; i++)
                    if (!DeepEquals(a[i], b[i])) return false;
                return true;
            }
            case JsonValueKind.Object:
            {
                int count = 0;
                foreach (var p in a.EnumerateObject())
                {
                    count++;
                    if (!b.TryGetProperty(p.Name, out var other) || !DeepEquals(p.Value, other)) return false;
                }
                int countB = 0;
                foreach (var _ in b.EnumerateObject()) countB++;
                return count == countB;
            }
            default:
                return true; // null, true, false: same kind is same value.
        }
    }

    /// <summary>A hash consistent with <see cref="DeepEquals"/>, used by uniqueItems to avoid O(n²) comparisons.</summary>
    public static int DeepHash(JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Number:
                if (e.TryGetDecimal(out decimal d)) return (d / 1.000000000000000000000000000000000m).GetHashCode();
                return e.GetDouble().GetHashCode();
            case JsonValueKind.String:
                return StringComparer.Ordinal.GetHashCode(e.GetString()!);
            case JsonValueKind.Array:
            {
                int h = 17;
                foreach (var item in e.EnumerateArray()) h = h * 31 + DeepHash(item);
                return h;
            }
            case JsonValueKind.Object:
            {
                int h = 19; // order-independent: sum of per-property hashes.
                foreach (var p in e.EnumerateObject())
                    h += StringComparer.Ordinal.GetHashCode(p.Name) ^ (DeepHash(p.Value) * 7);
                return h;
            }
            default:
                return (int)e.ValueKind;
        }
    }

    /// <summary>String length in Unicode code points, as the spec defines maxLength/minLength (a surrogate pair is one).</summary>
    public static int CodePointLength(string s)
    {
        int n = s.Length;
        for (int i = 0; i < s.Length - 1; i++)
        {
            if (char.IsHighSurrogate(s[i]) && char.IsLowSurrogate(s[i + 1])) { n--; i++; }
        }
        return n;
    }

    public static string TypeName(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => IsInteger(e) ? "integer" : "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => "undefined",
    };
}
