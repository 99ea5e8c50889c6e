using System.Text.Json;

namespace Spindle.Constraints.JsonSchema.Validation;

/// <summary>
/// The parts of a custom meta-schema's <c>$vocabulary</c> that change evaluation: whether validation keywords
/// (type, enum, minimum, required, ...) apply, and whether format asserts. Read only when the root's
/// <c>$schema</c> names a document supplied in <see cref="JsonSchemaValidatorOptions.RemoteDocuments"/>; the
/// standard meta-schemas enable validation and leave format as annotation.
/// </summary>
internal readonly record struct Vocabularies(bool Validation, bool AssertFormat)
{
    private const string ValidationVocabulary = "/vocab/validation";
    private const string FormatAssertionVocabulary = "/vocab/format-assertion";

    /// <summary>Finds the custom meta-schema of <paramref name="root"/> (if any) and returns its vocabularies and
    /// the draft it is written in.</summary>
    public static Vocabularies For(JsonElement root, JsonSchemaValidatorOptions options, ref SchemaDraft draft)
    {
        var defaults = new Vocabularies(true, options.AssertFormat);
        if (options.RemoteDocuments == null || root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("$schema", out var schemaUri) || schemaUri.ValueKind != JsonValueKind.String)
            return defaults;
        string uri = schemaUri.GetString()!;
        if (SchemaDrafts.FromMetaSchemaUri(uri) != null) return defaults;
        if (!options.RemoteDocuments.TryGetValue(UriReferences.Normalize(uri), out var meta) || meta.ValueKind != JsonValueKind.Object)
            return defaults;
        if (options.ForceDraft == null && meta.TryGetProperty("$schema", out var metaDraft) && metaDraft.ValueKind == JsonValueKind.String
            && SchemaDrafts.FromMetaSchemaUri(metaDraft.GetString()!) is SchemaDraft d)
            draft = d;
        if (!meta.TryGetProperty("$vocabulary", out var vocab) || vocab.ValueKind != JsonValueKind.Object) return defaults;
        bool validation = false, format = options.AssertFormat;
        foreach (var entry in vocab.EnumerateObject())
        {
            if (entry.Name.EndsWith(ValidationVocabulary, StringComparison.Ordinal)) validation = true;
            // Listed at all (true = required, false = optional): this implementation supports it, so it asserts.
            if (entry.Name.EndsWith(FormatAssertionVocabulary, StringComparison.Ordinal)) format = true;
        }
        return new Vocabularies(validation, format);
    }
}
