using System.Text;
using System.Text.Json;
using Spindle.Constraints;
using Spindle.Constraints.JsonSchema.Compilation;
using Spindle.Constraints.JsonSchema.Validation;
using Spindle.Constraints.Parsing;
using Spindle.Constraints.Vocabulary;

namespace Spindle.Tests.Generation;

/// <summary>
/// Picks MaskBench schemas a vocabulary can spell, deterministically: the subsets (Github_easy, ..., WashingtonPost) take
/// turns in ordinal order, each giving its next schema, in ordinal file order, of a shape not picked yet (the kind of
/// value its found spelling starts with, and its top-level keywords) among those that
/// <list type="number">
/// <item>do not declare <c>"type": "object"</c> or <c>"array"</c> at the top (tinystories-656K has no '{' or '[');</item>
/// <item>use none of the keywords the compiler over-approximates by design (<c>not</c>, <c>dependencies</c>, ...), so
/// every output the grammar allows should validate;</item>
/// <item>constrain scalars: the validator rejects at least one of <c>0</c>, <c>"x"</c>, <c>true</c>, <c>null</c>
/// (an object-only schema accepts every scalar, which tells nothing);</item>
/// <item>compile for compact generation, and <see cref="VocabularySpellingSearch"/> finds a spelling that ends with
/// end-of-generation allowed and that the validator (formats asserted) accepts.</item>
/// </list>
/// </summary>
internal static class MaskBenchSpellableSelection
{
    private static readonly string[] UnenforcedKeywords =
        ["not", "dependencies", "dependentRequired", "dependentSchemas", "contains", "propertyNames", "unevaluatedProperties", "unevaluatedItems"];

    private static readonly string[] ShapeKeywords =
    [
        "type", "enum", "const", "pattern", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
        "minLength", "maxLength", "anyOf", "oneOf", "allOf", "$ref",
    ];

    private static readonly string[] ScalarProbes = ["0", "\"x\"", "true", "null"];

    public static string Folder => SharedData.PathOf("jsonschema", "maskbench");

    /// <summary>The schema of a MaskBench file ({schema, tests}) as JSON text.</summary>
    public static string SchemaText(string fileName)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder, fileName)));
        return doc.RootElement.GetProperty("schema").GetRawText();
    }

    public static List<string> Select(TokenTrie trie, int count)
    {
        var files = Directory.GetFiles(Folder, "*.json");
        Array.Sort(files, StringComparer.Ordinal);
        // Subsets (file name before "---") take turns, so the pick is not all from the first subset in ordinal order.
        var subsets = new List<Queue<string>>();
        string? previous = null;
        foreach (string file in files)
        {
            string subset = Path.GetFileName(file).Split("---")[0];
            if (subset != previous) subsets.Add(new Queue<string>());
            previous = subset;
            subsets[^1].Enqueue(file);
        }
        var search = new VocabularySpellingSearch(trie);
        var shapes = new HashSet<string>(StringComparer.Ordinal);
        var selected = new List<string>();
        while (selected.Count < count && subsets.Exists(q => q.Count > 0))
        {
            foreach (var queue in subsets)
            {
                if (selected.Count == count) break;
                while (queue.TryDequeue(out string? file))
                {
                    if (Qualifies(file, search, trie.Vocabulary, shapes))
                    {
                        selected.Add(Path.GetFileName(file));
                        break;
                    }
                }
            }
        }
        return selected;
    }

    /// <summary>Whether <paramref name="file"/> meets the rules above with a shape not in <paramref name="shapes"/> (then added).</summary>
    private static bool Qualifies(string file, VocabularySpellingSearch search, IConstraintVocabulary vocabulary, HashSet<string> shapes)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
        var schema = doc.RootElement.GetProperty("schema");
        if (DeclaresContainer(schema) || UsesUnenforcedKeyword(schema)) return false;
        string text = schema.GetRawText();
        JsonSchemaValidator validator;
        CompiledGrammar grammar;
        try
        {
            validator = JsonSchemaValidator.Compile(text, new JsonSchemaValidatorOptions { AssertFormat = true });
            if (AcceptsEveryProbe(validator)) return false;
            grammar = new CompiledGrammar(GrammarCache.Parse(GrammarSyntax.JsonSchemaCompact, text));
        }
        catch (Exception e) when (e is JsonSchemaException or JsonSchemaCompileException or GrammarException or JsonException or InvalidOperationException or NotSupportedException)
        {
            return false;
        }
        if (search.FindSpelling(grammar) is not { } spelling) return false;
        string written = Spell(vocabulary, spelling).Trim();
        if (written.Length == 0) return false;
        using (var instance = JsonDocument.Parse(written))
            if (!validator.IsValid(instance.RootElement)) return false;
        return shapes.Add(Shape(schema, written));
    }

    public static string Spell(IConstraintVocabulary vocabulary, int[] tokens)
    {
        var bytes = new List<byte>();
        foreach (int id in tokens) bytes.AddRange(vocabulary.TokenBytes(id).ToArray());
        return Encoding.UTF8.GetString([.. bytes]);
    }

    private static bool DeclaresContainer(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("type", out var type)
        && type.ValueKind == JsonValueKind.String && type.GetString() is "object" or "array";

    private static bool UsesUnenforcedKeyword(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    // Names under "properties" are instance keys, not keywords.
                    if (property.Name == "properties" && property.Value.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var member in property.Value.EnumerateObject())
                            if (UsesUnenforcedKeyword(member.Value)) return true;
                        continue;
                    }
                    if (Array.IndexOf(UnenforcedKeywords, property.Name) >= 0) return true;
                    if (UsesUnenforcedKeyword(property.Value)) return true;
                }
                return false;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                    if (UsesUnenforcedKeyword(item)) return true;
                return false;
            default:
                return false;
        }
    }

    private static bool AcceptsEveryProbe(JsonSchemaValidator validator)
    {
        foreach (string probe in ScalarProbes)
        {
            using var doc = JsonDocument.Parse(probe);
            if (!validator.IsValid(doc.RootElement)) return false;
        }
        return true;
    }

    private static string Shape(JsonElement schema, string spelling)
    {
        var shape = new StringBuilder(spelling[0] switch
        {
            '"' => "string",
            'n' => "null",
            't' or 'f' => "boolean",
            _ => "number",
        });
        if (schema.ValueKind == JsonValueKind.Object)
            foreach (string keyword in ShapeKeywords)
                if (schema.TryGetProperty(keyword, out var value))
                    shape.Append(' ').Append(keyword).Append(keyword == "type" && value.ValueKind == JsonValueKind.Array ? "[]" : "");
        return shape.ToString();
    }
}
