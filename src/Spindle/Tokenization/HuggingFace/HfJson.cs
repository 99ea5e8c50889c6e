using System.Text.Json;

namespace Spindle.Tokenization.HuggingFace;

/// <summary>Small accessors over tokenizer.json elements that report the offending path on malformed input.</summary>
internal static class HfJson
{
    public static bool IsNull(this JsonElement e) => e.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined;

    public static JsonElement? Property(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && !v.IsNull() ? v : null;

    public static string TypeName(this JsonElement e, string where) =>
        e.Property("type")?.GetString() ?? throw new FormatException($"tokenizer.json: {where} has no \"type\"");

    public static string? StringOrNull(this JsonElement e, string name) => e.Property(name)?.GetString();

    public static bool Bool(this JsonElement e, string name, bool fallback) =>
        e.Property(name) is { } v ? v.ValueKind == JsonValueKind.True : fallback;

    public static int Int(this JsonElement e, string name, int fallback) =>
        e.Property(name) is { } v ? v.GetInt32() : fallback;

    public static string RequiredString(this JsonElement e, string name, string where) =>
        e.StringOrNull(name) ?? throw new FormatException($"tokenizer.json: {where} needs a string \"{name}\"");

    /// <summary>A Replace/Split "pattern": {"String": "..."} (literal) or {"Regex": "..."}.</summary>
    public static HfPattern Pattern(this JsonElement e, string where)
    {
        var p = e.Property("pattern") ?? throw new FormatException($"tokenizer.json: {where} has no \"pattern\"");
        if (p.StringOrNull("String") is { } literal) return HfPattern.Literal(literal);
        if (p.StringOrNull("Regex") is { } regex) return HfPattern.Regex(regex);
        throw new FormatException($"tokenizer.json: {where} pattern must be {{\"String\": ...}} or {{\"Regex\": ...}}");
    }
}
