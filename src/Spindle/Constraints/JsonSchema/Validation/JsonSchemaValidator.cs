using System.Text.Json;

namespace Spindle.Constraints.JsonSchema.Validation;

/// <summary>
/// A compiled JSON Schema (drafts 4, 6, 7, 2019-09, 2020-12). Compile once, then <see cref="Validate"/> or
/// <see cref="IsValid"/> any number of instances, from any number of threads: the compiled tree is immutable and all
/// per-call state lives in a per-call context.
/// </summary>
/// <remarks>
/// Not supported (also listed in JsonSchemaValidatorTests): $vocabulary beyond switching the validation and
/// format-assertion vocabularies of the root's custom meta-schema,
/// bundled meta-schemas (a $ref to a json-schema.org meta-schema fails unless it is supplied as a remote document),
/// content* as assertions (annotation only), and IDNA code point validity beyond general categories.
/// Leniencies for real-world schemas: the array form of items is a tuple in every draft; "dependencies" works in
/// every draft; a JSON Pointer fragment that fails inside a subschema with its own id is retried from the document
/// root; draft-3 boolean "required" and type "any" are accepted.
/// </remarks>
public sealed class JsonSchemaValidator
{
    private readonly SchemaNode _root;
    private readonly int _maxDepth;

    private JsonSchemaValidator(SchemaNode root, SchemaDraft draft, int maxDepth)
    {
        _root = root;
        Draft = draft;
        _maxDepth = maxDepth;
    }

    /// <summary>Dialect the root schema is evaluated with.</summary>
    public SchemaDraft Draft { get; }

    /// <summary>Compiles <paramref name="schema"/>. The element is cloned, so the caller may dispose its document.</summary>
    /// <exception cref="JsonSchemaException">The schema is malformed or a $ref cannot be resolved.</exception>
    public static JsonSchemaValidator Compile(JsonElement schema, JsonSchemaValidatorOptions? options = null)
    {
        options ??= new JsonSchemaValidatorOptions();
        if (schema.ValueKind is not (JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
            throw new JsonSchemaException($"a schema must be an object or a boolean, not {schema.ValueKind}");
        var root = schema.Clone();
        var registry = new SchemaRegistry(options.RemoteDocuments);
        var draft = options.ForceDraft ?? registry.DraftOf(root, options.DefaultDraft ?? SchemaDraft.Draft202012);
        var vocabularies = Vocabularies.For(root, options, ref draft);
        string key = registry.AddDocument(root, UriReferences.DefaultBase, draft);
        var compiler = new SchemaCompiler(registry, options, vocabularies);
        return new JsonSchemaValidator(compiler.CompileRoot(key), draft, options.MaxEvaluationDepth);
    }

    /// <summary>Parses and compiles a schema given as JSON text.</summary>
    public static JsonSchemaValidator Compile(string schemaJson, JsonSchemaValidatorOptions? options = null)
    {
        using var doc = JsonDocument.Parse(schemaJson);
        return Compile(doc.RootElement, options);
    }

    /// <summary>Full validation with every error located.</summary>
    /// <exception cref="JsonSchemaException">Evaluation hit a $ref loop that consumes no input.</exception>
    public ValidationResult Validate(JsonElement instance)
    {
        var context = new EvaluationContext(stopAtFirstError: false, _maxDepth);
        bool valid = _root.Evaluate(instance, context, null);
        if (!valid && context.ErrorCount == 0) context.AddError(_root.Location, "instance is invalid");
        return new ValidationResult(valid ? [] : context.Errors);
    }

    /// <summary>Validity only: stops at the first failing assertion where the outcome allows.</summary>
    public bool IsValid(JsonElement instance)
    {
        var context = new EvaluationContext(stopAtFirstError: true, _maxDepth);
        return _root.Evaluate(instance, context, null);
    }
}
