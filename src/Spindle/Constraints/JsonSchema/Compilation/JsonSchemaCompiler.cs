using System.Numerics;
using System.Text.Json;
using Spindle.Constraints.Grammars;
using Spindle.Constraints.Lexing;

namespace Spindle.Constraints.JsonSchema.Compilation;

/// <summary>
/// Compiles a JSON Schema into a <see cref="Grammar"/> whose language is (an over-approximation of) the JSON texts the
/// schema accepts. See Compilation/README.md for what is enforced exactly and what is over-approximated. Declared object
/// properties may come in any order (each at most once) unless <see cref="JsonSchemaCompilerOptions.PropertyOrder"/> is
/// <see cref="PropertyOrder.Schema"/>.
/// </summary>
public sealed class JsonSchemaCompiler
{
    internal static readonly string[] AllTypes = ["object", "array", "string", "integer", "number", "boolean", "null"];

    private static readonly HashSet<string> Annotations = new(StringComparer.Ordinal)
    {
        "title", "description", "default", "examples", "example", "$comment", "$id", "id", "$schema", "$anchor",
        "$dynamicAnchor", "$vocabulary", "deprecated", "readOnly", "writeOnly", "$defs", "definitions", "markdownDescription",
        "contentMediaType", "contentEncoding", "contentSchema",
    };

    private readonly GrammarBuilder _b = new();
    private readonly JsonSchemaCompilerOptions _options;
    private readonly JsonElement _root;
    private readonly Dictionary<string, GrammarSymbol> _refRules = new(StringComparer.Ordinal);
    private readonly bool _refSiblingsApply;
    private readonly bool _draft4; // integers are literals without a fraction there ("1.0" is not one)
    private readonly RegexNode _ws;
    private readonly GrammarSymbol _comma, _objOpen, _objClose, _arrOpen, _arrClose;
    private GrammarSymbol? _any;
    private RegexNode? _anyKey;

    /// <summary>Most values in one enum (checked before any is compiled).</summary>
    public const int MaxEnumValues = 1 << 16;

    /// <summary>
    /// Most chars of JSON text in one enum's values or one const (checked before any is compiled): the lexer's NFA
    /// takes a state per char of a literal, so more could never compile, and building them first would cost objects
    /// per char. The scalar values of an enum are one lexeme, also bounded by <see cref="LiteralSetSize"/>. The largest
    /// enum in MaskBench has 5,383 values of 38k chars.
    /// </summary>
    public const int MaxLiteralChars = LiteralSetSize.MaxTotalChars;

    /// <summary>Most subschemas in one anyOf, oneOf or allOf (each anyOf branch is an alternative every prediction expands).</summary>
    public const int MaxBranches = 10_000;

    /// <summary>
    /// Most chars of schema text that merging (allOf, $ref beside other keywords, anyOf with sibling keywords) may copy in
    /// one compile: each merge copies its subschemas, so nesting merges multiplies the schema's size.
    /// </summary>
    public const long MaxMergedChars = 64L << 20;

    /// <summary>How often one $ref may be inlined inside itself by merging before it counts as a cycle.</summary>
    private const int MaxInlineRepeats = 8;

    private readonly List<string> _path = ["#"]; // where the compiler is, for messages; left as is when one is thrown
    private readonly Dictionary<string, string> _refLocations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _inlining = new(StringComparer.Ordinal); // refs inlined on the current path
    private long _mergedChars;

    private JsonSchemaCompiler(JsonElement root, JsonSchemaCompilerOptions options)
    {
        _root = root;
        _options = options;
        // Before draft 2019-09, keywords beside $ref are ignored.
        _refSiblingsApply = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("$schema", out var draft)
            && draft.GetString() is { } uri && (uri.Contains("2019-09", StringComparison.Ordinal) || uri.Contains("2020-12", StringComparison.Ordinal));
        _draft4 = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("$schema", out var schemaUri)
            && schemaUri.GetString() is { } d4 && d4.Contains("draft-04", StringComparison.Ordinal);
        _ws = options.CompactWhitespace ? RegexNode.Empty : WhitespaceRun(0, options.MaxWhitespace);
        _comma = Punctuation(",", both: true);
        _objOpen = _b.Lexeme(RegexNode.Concat([RegexNode.Literal("{"), _ws]), "{");
        _objClose = _b.Lexeme(RegexNode.Concat([_ws, RegexNode.Literal("}")]), "}");
        _arrOpen = _b.Lexeme(RegexNode.Concat([RegexNode.Literal("["), _ws]), "[");
        _arrClose = _b.Lexeme(RegexNode.Concat([_ws, RegexNode.Literal("]")]), "]");
    }

    public static Grammar Compile(JsonElement schema, JsonSchemaCompilerOptions? options = null)
    {
        var compiler = new JsonSchemaCompiler(schema, options ?? JsonSchemaCompilerOptions.Default);
        try
        {
            var value = compiler.Value(schema, 0) ?? throw new JsonSchemaCompileException("schema", "no instance can satisfy the schema");
            compiler.CheckReferencesEnd();
            var ws = compiler._b.Lexeme(WhitespaceRun(1, compiler._options.MaxWhitespace), "ws");
            var start = compiler._b.NewRule("root");
            compiler._b.AddAlternative(start, compiler._b.Optional(ws), value, compiler._b.Optional(ws));
            return compiler._b.Build(start);
        }
        catch (GrammarException e)
        {
            // A limit of the grammar or lexer: say where in the schema it was reached.
            throw new JsonSchemaCompileException(compiler.CurrentKeyword, $"at {compiler.Location()}: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            throw new JsonSchemaCompileException("schema", e.Message, e);
        }
    }

    public static Grammar Compile(string schemaJson, JsonSchemaCompilerOptions? options = null)
    {
        JsonElement schema;
        try
        {
            using var doc = JsonDocument.Parse(schemaJson, new JsonDocumentOptions { MaxDepth = 4096 });
            schema = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new JsonSchemaCompileException("schema", $"not valid JSON: {e.Message}", e);
        }
        return Compile(schema, options);
    }

    /// <summary>
    /// A $ref whose rule derives no finite text (<c>{"$ref": "#"}</c>, a → b → a, a required property that is the
    /// schema itself) would compile into a grammar that can never finish a value: refuse it, naming the reference.
    /// Recursion with a way out (optional properties, arrays that may be empty, an anyOf branch) is productive.
    /// </summary>
    private void CheckReferencesEnd()
    {
        if (_refRules.Count == 0) return;
        bool[] productive = _b.ProductiveRules();
        foreach (var (reference, rule) in _refRules)
            if (!productive[rule.Index])
                throw new JsonSchemaCompileException("$ref",
                    $"'{reference}' at {_refLocations[reference]} can never produce a finite value: it refers back to itself with no way to end");
    }

    private string Location(string? keyword = null)
    {
        var sb = new System.Text.StringBuilder();
        foreach (string segment in _path)
        {
            if (sb.Length > 0) sb.Append('/');
            sb.Append(segment);
        }
        if (keyword is not null) sb.Append('/').Append(keyword);
        return sb.ToString();
    }

    // The keyword the compiler was in when a limit was reached: the last segment that names one ("properties/x" → properties).
    private string CurrentKeyword
    {
        get
        {
            for (int i = _path.Count - 1; i > 0; i--)
            {
                string segment = _path[i];
                int slash = segment.IndexOf('/');
                string name = slash < 0 ? segment : segment[..slash];
                if (name.Length > 0 && !char.IsAsciiDigit(name[0]) && !name.StartsWith("$ref(", StringComparison.Ordinal)) return name;
            }
            return "schema";
        }
    }

    /// <summary><see cref="Value"/> of the subschema at <paramref name="segment"/> (relative to the current location).</summary>
    private GrammarSymbol? ValueAt(string segment, JsonElement schema, int depth)
    {
        _path.Add(segment);
        var value = Value(schema, depth);
        _path.RemoveAt(_path.Count - 1); // not on a throw: the message reports where it happened
        return value;
    }

    /// <summary>
    /// <see cref="Value"/> of a schema merged with the targets of <paramref name="references"/>. Merging inlines the
    /// target, so a target that merges itself in again (<c>{"allOf": [{"$ref": "#"}]}</c>) would expand without end:
    /// after <see cref="MaxInlineRepeats"/> times on one path it is a cycle.
    /// </summary>
    private GrammarSymbol? ValueInlining(string segment, JsonElement merged, int depth, List<string> references)
    {
        foreach (string r in references)
        {
            int count = _inlining.GetValueOrDefault(r) + 1;
            if (count > MaxInlineRepeats)
                throw new JsonSchemaCompileException("$ref",
                    $"'{r}' at {Location(segment)} includes itself through merging (allOf, or $ref beside other keywords) without end: a reference cycle no finite value can satisfy");
            _inlining[r] = count;
        }
        var value = ValueAt(segment, merged, depth);
        foreach (string r in references) _inlining[r]--;
        return value;
    }

    /// <summary>Counts schema text copied by merging against <see cref="MaxMergedChars"/>.</summary>
    private void ChargeMerge(JsonElement schema, string keyword)
    {
        if (schema.ValueKind != JsonValueKind.Object) return;
        _mergedChars += schema.GetRawText().Length;
        if (_mergedChars > MaxMergedChars)
            throw new JsonSchemaCompileException(keyword,
                $"at {Location(keyword)}: merging subschemas copied more than {MaxMergedChars:N0} chars of schema text (allOf, $ref beside other keywords or anyOf with sibling keywords nested too deeply)");
    }

    private JsonElement Merge(JsonElement a, JsonElement b, string keyword)
    {
        ChargeMerge(a, keyword);
        ChargeMerge(b, keyword);
        return SchemaMerger.Merge(a, b);
    }

    internal static bool IsAnnotation(string keyword) => Annotations.Contains(keyword) || keyword.StartsWith("x-", StringComparison.Ordinal);

    // maxLength null: unbounded, as JSON allows. Generation bounds it, or a model could emit whitespace forever.
    private static RegexNode WhitespaceRun(int min, int? maxLength) =>
        RegexNode.Repeat(new RegexCharSet(CodePointSet.FromRanges([(' ', ' '), ('\t', '\t'), ('\n', '\n'), ('\r', '\r')])), min, maxLength ?? -1);

    private GrammarSymbol Punctuation(string text, bool both) =>
        _b.Lexeme(RegexNode.Concat([both ? _ws : RegexNode.Empty, RegexNode.Literal(text), _ws]), text);

    private GrammarSymbol KeyLexeme(RegexNode quotedKey, RegexNode? exceptQuotedKeys = null) =>
        _b.Lexeme(RegexNode.Concat([quotedKey, _ws, RegexNode.Literal(":"), _ws]), except: exceptQuotedKeys is null ? null
            : RegexNode.Concat([exceptQuotedKeys, _ws, RegexNode.Literal(":"), _ws]));

    /// <summary>The symbol for instances of <paramref name="schema"/>; null when none can exist.</summary>
    private GrammarSymbol? Value(JsonElement schema, int depth)
    {
        if (depth > _options.MaxDepth) throw new JsonSchemaCompileException("schema", $"subschemas nested deeper than {_options.MaxDepth}");
        switch (schema.ValueKind)
        {
            case JsonValueKind.True: return Any();
            case JsonValueKind.False: return null;
            case JsonValueKind.Object: break;
            default: throw new JsonSchemaCompileException("schema", $"a schema must be an object or a boolean, not {schema.ValueKind}");
        }
        if (schema.TryGetProperty("$ref", out var reference))
        {
            string target = reference.GetString() ?? "";
            if (!_refSiblingsApply || !HasConstraints(schema, "$ref")) return Ref(target, depth);
            return ValueInlining($"$ref({target})", Merge(Resolve(target), Without(schema, "$ref"), "$ref"), depth + 1, [target]);
        }
        if (schema.TryGetProperty("allOf", out var allOf))
        {
            CheckBranchCount(allOf, "allOf");
            var merged = Without(schema, "allOf");
            var references = new List<string>();
            foreach (var part in allOf.EnumerateArray()) merged = Merge(merged, Inline(part, references), "allOf");
            return ValueInlining("allOf", merged, depth + 1, references);
        }
        foreach (string combinator in (ReadOnlySpan<string>)["anyOf", "oneOf"])
        {
            if (!schema.TryGetProperty(combinator, out var branches)) continue;
            CheckBranchCount(branches, combinator);
            // oneOf is compiled as anyOf: instances matching several branches are accepted too (over-approximation).
            var siblings = Without(schema, combinator);
            bool distribute = HasConstraints(siblings);
            var rule = _b.NewRule(combinator);
            int index = 0;
            foreach (var branch in branches.EnumerateArray())
            {
                string segment = $"{combinator}/{index++}";
                GrammarSymbol? sym;
                if (distribute)
                {
                    var references = new List<string>();
                    sym = ValueInlining(segment, Merge(siblings, Inline(branch, references), combinator), depth + 1, references);
                }
                else sym = ValueAt(segment, branch, depth + 1);
                if (sym is { } s) _b.AddAlternative(rule, s);
            }
            return _b.RuleAlternativeCount(rule) == 0 ? null : rule;
        }
        // if/then/else needs the complement of the condition: honestly unsupported rather than silently ignored.
        if (schema.TryGetProperty("if", out _) && (schema.TryGetProperty("then", out _) || schema.TryGetProperty("else", out _)))
            throw new JsonSchemaCompileException("if", "if/then/else is not enforced by the grammar");
        HashSet<string>? declaredTypes = schema.TryGetProperty("type", out var declared) ? TypesOf(declared) : null;
        if (schema.TryGetProperty("const", out var constant))
        {
            int chars = constant.GetRawText().Length;
            if (chars > MaxLiteralChars)
                throw new JsonSchemaCompileException("const", $"at {Location("const")}: the value has {chars:N0} chars of JSON; at most {MaxLiteralChars:N0} are supported");
            return HasType(constant, declaredTypes) ? ConstValue(constant) : null;
        }
        if (schema.TryGetProperty("enum", out var values))
        {
            if (values.ValueKind != JsonValueKind.Array) throw new JsonSchemaCompileException("enum", "not an array");
            CheckEnumSize(values);
            // Scalars share one lexeme; objects and arrays are structure (key order and whitespace are free).
            var literals = new List<RegexNode>();
            var rule = _b.NewRule("enum");
            foreach (var v in values.EnumerateArray())
            {
                if (!HasType(v, declaredTypes)) continue;
                if (v.ValueKind is JsonValueKind.Object or JsonValueKind.Array) _b.AddAlternative(rule, ConstValue(v));
                else literals.Add(LiteralOf(v));
            }
            if (literals.Count > 0) _b.AddAlternative(rule, _b.Lexeme(RegexNode.Alternate(literals), "enum"));
            return _b.RuleAlternativeCount(rule) == 0 ? null : rule;
        }

        var types = schema.TryGetProperty("type", out var typeElement) ? TypesOf(typeElement) : [.. AllTypes];
        if (types.Contains("number")) types.Remove("integer");
        var alternatives = new List<GrammarSymbol>();
        foreach (string type in AllTypes)
        {
            if (!types.Contains(type)) continue;
            GrammarSymbol? sym = type switch
            {
                "object" => ObjectValue(schema, depth),
                "array" => ArrayValue(schema, depth),
                "string" => StringValue(schema),
                "integer" => IntegerValue(schema),
                "number" => NumberValue(schema),
                "boolean" => _b.Lexeme(RegexNode.Alternate([RegexNode.Literal("true"), RegexNode.Literal("false")]), "boolean"),
                _ => _b.Literal("null"),
            };
            if (sym is { } s) alternatives.Add(s);
        }
        if (alternatives.Count == 0) return null;
        if (alternatives.Count == 1) return alternatives[0];
        var union = _b.NewRule("type");
        foreach (var s in alternatives) _b.AddAlternative(union, s);
        return union;
    }

    // Checked before any value is compiled: a literal costs objects per character, so a huge enum would take seconds and
    // gigabytes before a later limit could refuse it.
    private void CheckEnumSize(JsonElement values)
    {
        int count = values.GetArrayLength();
        if (count > MaxEnumValues)
            throw new JsonSchemaCompileException("enum", $"at {Location("enum")}: {count:N0} values; at most {MaxEnumValues:N0} are supported");
        long chars = 0;
        var scalars = new List<string>();
        foreach (var v in values.EnumerateArray())
        {
            chars += v.GetRawText().Length;
            if (chars > MaxLiteralChars)
                throw new JsonSchemaCompileException("enum",
                    $"at {Location("enum")}: the {count:N0} values have more than {MaxLiteralChars:N0} chars of JSON; at most {MaxLiteralChars:N0} are supported");
            if (v.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array)) scalars.Add(JsonText.Serialize(v));
        }
        if (LiteralSetSize.Check(scalars) is { } tooLarge)
            throw new JsonSchemaCompileException("enum", $"at {Location("enum")}: too large for one lexeme: {tooLarge}");
    }

    private void CheckBranchCount(JsonElement branches, string keyword)
    {
        if (branches.ValueKind != JsonValueKind.Array) throw new JsonSchemaCompileException(keyword, $"at {Location(keyword)}: not an array");
        int count = branches.GetArrayLength();
        if (count > MaxBranches)
            throw new JsonSchemaCompileException(keyword, $"at {Location(keyword)}: {count:N0} subschemas; at most {MaxBranches:N0} are supported");
    }

    /// <summary>
    /// Exactly the JSON value <paramref name="value"/>: scalars as one lexeme, objects with their keys in any order and
    /// arrays element by element, with the usual whitespace.
    /// </summary>
    private GrammarSymbol ConstValue(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
            {
                var members = new List<GrammarSymbol>();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var p in value.EnumerateObject())
                    if (seen.Add(p.Name))
                        members.Add(_b.Sequence(KeyLexeme(RegexNode.Literal(JsonText.QuoteString(p.Name))), ConstValue(p.Value)));
                var required = new bool[members.Count];
                Array.Fill(required, true);
                return _b.Sequence(_objOpen, _b.AnyOrder(members, required, null, _comma, _objClose));
            }
            case JsonValueKind.Array:
            {
                if (value.GetArrayLength() == 0) return _b.Sequence(_arrOpen, _arrClose);
                var items = new List<GrammarSymbol> { _arrOpen };
                foreach (var item in value.EnumerateArray())
                {
                    if (items.Count > 1) items.Add(_comma);
                    items.Add(ConstValue(item));
                }
                items.Add(_arrClose);
                return _b.Sequence([.. items]);
            }
            default:
                return _b.Lexeme(LiteralOf(value), "const");
        }
    }

    /// <summary>
    /// The text of an enum/const value. An integral number also matches its other integral spellings (2, 2.0, 2.00):
    /// JSON Schema compares numbers by value.
    /// </summary>
    private RegexNode LiteralOf(JsonElement value)
    {
        var literal = RegexNode.Literal(JsonText.Serialize(value));
        if (_options.MaxNumberDigits is not null) return literal; // generating: the canonical spelling only
        if (value.ValueKind != JsonValueKind.Number || ExactNumber.FloorCeiling(value.GetRawText()) is not var (f, c) || f != c) return literal;
        var zeroFraction = RegexNode.Repeat(RegexNode.Concat([RegexNode.Literal("."), RegexNode.Repeat(RegexNode.Literal("0"), 1, -1)]), 0, 1);
        return RegexNode.Alternate([literal, RegexNode.Concat([RegexNode.Literal(f.ToString()), zeroFraction])]);
    }

    /// <summary>Whether <paramref name="value"/> is of one of <paramref name="types"/> (null: no type restriction).</summary>
    private static bool HasType(JsonElement value, HashSet<string>? types)
    {
        if (types is null) return true;
        return value.ValueKind switch
        {
            JsonValueKind.Object => types.Contains("object"),
            JsonValueKind.Array => types.Contains("array"),
            JsonValueKind.String => types.Contains("string"),
            JsonValueKind.Number => types.Contains("number") ||
                (types.Contains("integer") && ExactNumber.FloorCeiling(value.GetRawText()) is var (f, c) && f == c),
            JsonValueKind.True or JsonValueKind.False => types.Contains("boolean"),
            _ => types.Contains("null"),
        };
    }

    internal static HashSet<string> TypesOf(JsonElement type)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        if (type.ValueKind == JsonValueKind.String) set.Add(type.GetString()!);
        else if (type.ValueKind == JsonValueKind.Array)
            foreach (var t in type.EnumerateArray()) set.Add(t.GetString() ?? "");
        else throw new JsonSchemaCompileException("type", "must be a string or an array");
        foreach (var t in set)
            if (Array.IndexOf(AllTypes, t) < 0) throw new JsonSchemaCompileException("type", $"unknown type '{t}'");
        return set;
    }

    private static bool HasConstraints(JsonElement schema, string? except = null)
    {
        if (schema.ValueKind != JsonValueKind.Object) return schema.ValueKind == JsonValueKind.False;
        foreach (var p in schema.EnumerateObject())
            if (p.Name != except && !IsAnnotation(p.Name)) return true;
        return false;
    }

    private JsonElement Without(JsonElement schema, string keyword)
    {
        ChargeMerge(schema, keyword);
        var obj = System.Text.Json.Nodes.JsonNode.Parse(schema.GetRawText(), null, SchemaMerger.Deep)!.AsObject();
        obj.Remove(keyword);
        return SchemaMerger.ToElement(obj);
    }

    /// <summary>A subschema with a top-level $ref replaced by its target (merged with its siblings), for merging.</summary>
    private JsonElement Inline(JsonElement schema, List<string> references)
    {
        for (int i = 0; i < 32; i++)
        {
            if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("$ref", out var r)) return schema;
            string reference = r.GetString() ?? "";
            references.Add(reference);
            var target = Resolve(reference);
            schema = _refSiblingsApply && HasConstraints(schema, "$ref") ? Merge(target, Without(schema, "$ref"), "$ref") : target;
        }
        throw new JsonSchemaCompileException("$ref", "reference chain too long");
    }

    private GrammarSymbol? Ref(string reference, int depth)
    {
        if (_refRules.TryGetValue(reference, out var existing)) return existing;
        var rule = _b.NewRule("ref " + reference);
        _refRules[reference] = rule;
        _refLocations[reference] = Location("$ref");
        var sym = ValueAt($"$ref({reference})", Resolve(reference), depth + 1)
            ?? throw new JsonSchemaCompileException("$ref", $"'{reference}' can never be satisfied");
        _b.AddAlternative(rule, sym);
        return rule;
    }

    private JsonElement Resolve(string reference)
    {
        if (reference == "#" || reference == "") return _root;
        if (!reference.StartsWith("#/", StringComparison.Ordinal))
            throw new JsonSchemaCompileException("$ref", $"only local JSON-pointer references are supported, not '{reference}'");
        var node = _root;
        foreach (string rawPart in reference[2..].Split('/'))
        {
            string part = Uri.UnescapeDataString(rawPart).Replace("~1", "/").Replace("~0", "~");
            if (node.ValueKind == JsonValueKind.Object && node.TryGetProperty(part, out var child)) node = child;
            else if (node.ValueKind == JsonValueKind.Array && int.TryParse(part, out int index) && index < node.GetArrayLength()) node = node[index];
            else throw new JsonSchemaCompileException("$ref", $"'{reference}' does not resolve");
        }
        return node;
    }

    private GrammarSymbol Any()
    {
        if (_any is { } any) return any;
        var value = _b.NewRule("any");
        _any = value;
        var key = KeyLexeme(AnyKeyRegex());
        var member = _b.Sequence(key, value);
        var obj = _b.NewRule("any object");
        _b.AddAlternative(obj, _objOpen, _objClose);
        _b.AddAlternative(obj, _objOpen, member, _b.Star(_b.Sequence(_comma, member)), _objClose);
        var arr = _b.NewRule("any array");
        _b.AddAlternative(arr, _arrOpen, _arrClose);
        _b.AddAlternative(arr, _arrOpen, value, _b.Star(_b.Sequence(_comma, value)), _arrClose);
        var primitive = _b.Lexeme(RegexNode.Alternate([
            JsonStringRegex.Quoted(RegexNode.Repeat(new RegexCharSet(CodePointSet.All), 0, -1)),
            NumberRegex(allowNegative: true, requireNegative: false, _options.MaxNumberDigits),
            RegexNode.Literal("true"), RegexNode.Literal("false"), RegexNode.Literal("null")]), "primitive");
        _b.AddAlternative(value, obj);
        _b.AddAlternative(value, arr);
        _b.AddAlternative(value, primitive);
        return value;
    }

    private RegexNode AnyKeyRegex() =>
        _anyKey ??= JsonStringRegex.Quoted(RegexNode.Repeat(new RegexCharSet(CodePointSet.All), 0, -1));

    private GrammarSymbol? ObjectValue(JsonElement schema, int depth)
    {
        var required = new HashSet<string>(StringComparer.Ordinal);
        if (schema.TryGetProperty("required", out var req) && req.ValueKind == JsonValueKind.Array)
            foreach (var r in req.EnumerateArray()) if (r.GetString() is { } name) required.Add(name);

        JsonElement? additional = schema.TryGetProperty("additionalProperties", out var ap) ? ap : null;
        var props = new List<(string Name, JsonElement Schema)>();
        if (schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
            foreach (var p in properties.EnumerateObject()) props.Add((p.Name, p.Value));
        foreach (string name in required)
        {
            if (props.Exists(p => p.Name == name)) continue;
            // A required key with no declared schema is an extra key: it must satisfy a matching patternProperties
            // schema or additionalProperties (approximated by additionalProperties alone, or by a pattern's schema).
            props.Add((name, MatchingPatternSchema(schema, name) ?? additional ?? TrueSchema));
        }

        // Extra keys: patternProperties, then additionalProperties (default: any value).
        GrammarSymbol? extra = null;
        var extraRule = _b.NewRule("extra property");
        if (schema.TryGetProperty("patternProperties", out var patterns) && patterns.ValueKind == JsonValueKind.Object)
            foreach (var p in patterns.EnumerateObject())
                if (ValueAt($"patternProperties/{p.Name}", p.Value, depth + 1) is { } v)
                    _b.AddAlternative(extraRule, KeyLexeme(JsonStringRegex.Quoted(PatternRegex(p.Name))), v);
        // additionalProperties applies only to keys no pattern matches; a pattern of a known shape gives that set
        // exactly (none at all for ".*"), otherwise any undeclared key may take it (over-approximation, README).
        var unmatched = UnmatchedKeys.Of(patterns.ValueKind == JsonValueKind.Object ? patterns : default, props.ConvertAll(p => p.Name));
        if (additional is not { ValueKind: JsonValueKind.False } && unmatched is not { IsEmpty: true })
            if ((additional is { } a ? ValueAt("additionalProperties", a, depth + 1) : Any()) is { } v)
            {
                // An extra key is any other string than a declared name: the names are the lexeme's exception, so the
                // key stays a free string for the lexer.
                var key = unmatched is { Keys: { } k } ? KeyLexeme(JsonStringRegex.Quoted(k))
                    : props.Count == 0 ? KeyLexeme(AnyKeyRegex())
                    : KeyLexeme(AnyKeyRegex(), RegexNode.Alternate(props.ConvertAll(p => RegexNode.Literal(JsonText.QuoteString(p.Name)))));
                _b.AddAlternative(extraRule, key, v);
            }
        if (_b.RuleAlternativeCount(extraRule) > 0) extra = extraRule;
        if (_options.PropertyOrder == PropertyOrder.Any)
        {
            // A declared key that a patternProperties regex also matches could be read both as the member and as an
            // extra key: the key sets in flight would multiply (2^overlapping). Without regex difference the extra
            // path cannot exclude it, so such keys are taken only as extra keys (over-approximation, README).
            props.RemoveAll(p => PatternMatchingKey(schema, p.Name) is not null);
            int minCount = ReadCount(schema, "minProperties") ?? 0;
            int maxCount = ReadCount(schema, "maxProperties") ?? -1;
            if (maxCount >= 0 && (minCount > maxCount || required.Count > maxCount)) return null;
            return AnyOrderObject(props, required, extra, depth, minCount, maxCount);
        }

        GrammarSymbol restTail = extra is { } e1 ? _b.Star(_b.Sequence(_comma, e1)) : _b.Sequence();
        GrammarSymbol firstTail = extra is { } e2 ? _b.Optional(_b.Sequence(e2, restTail)) : _b.Sequence();
        for (int i = props.Count - 1; i >= 0; i--)
        {
            var (name, propSchema) = props[i];
            bool isRequired = required.Contains(name);
            var value = ValueAt($"properties/{name}", propSchema, depth + 1);
            if (value is null)
            {
                if (isRequired) return null;
                continue;
            }
            var kv = _b.Sequence(KeyLexeme(RegexNode.Literal(JsonText.QuoteString(name))), value.Value);
            var rest = _b.NewRule($"after {name}");
            _b.AddAlternative(rest, _comma, kv, restTail);
            if (!isRequired) _b.AddAlternative(rest, restTail);
            var first = _b.NewRule($"from {name}");
            _b.AddAlternative(first, kv, restTail);
            if (!isRequired) _b.AddAlternative(first, firstTail);
            if (extra is { } x)
            {
                // Extra keys may also come before or between declared ones (instances are often written that way).
                // They attach only to the declared key that follows them (pre: extras then this key), so every object
                // has one derivation and Earley sets stay small.
                var pre = _b.NewRule($"extras before {name}");
                _b.AddAlternative(pre, _comma, x, pre);
                _b.AddAlternative(pre, _comma, kv, restTail);
                _b.AddAlternative(rest, _comma, x, pre);
                _b.AddAlternative(first, x, pre);
            }
            restTail = rest;
            firstTail = first;
        }
        return _b.Sequence(_objOpen, firstTail, _objClose);
    }

    /// <summary>
    /// An object whose declared properties may come in any order, each at most once (the key-set state lives in lazily
    /// materialized rules, see <see cref="GrammarBuilder.AnyOrder"/>); extra keys anywhere.
    /// </summary>
    private GrammarSymbol? AnyOrderObject(List<(string Name, JsonElement Schema)> props, HashSet<string> required, GrammarSymbol? extra, int depth,
        int minCount, int maxCount)
    {
        var members = new List<GrammarSymbol>(props.Count);
        var isRequired = new List<bool>(props.Count);
        foreach (var (name, propSchema) in props)
        {
            var value = ValueAt($"properties/{name}", propSchema, depth + 1);
            if (value is null)
            {
                if (required.Contains(name)) return null;
                continue; // a key whose schema is false may not appear; the extra-key regex already excludes it
            }
            members.Add(_b.Sequence(KeyLexeme(RegexNode.Literal(JsonText.QuoteString(name))), value.Value));
            isRequired.Add(required.Contains(name));
        }
        if (extra is null && members.Count < minCount) return null;
        return _b.Sequence(_objOpen, _b.AnyOrder(members, isRequired, extra, _comma, _objClose, minCount, maxCount));
    }

    private static readonly JsonElement TrueSchema = JsonDocument.Parse("true").RootElement.Clone();

    /// <summary>The first patternProperties pattern that matches <paramref name="name"/> (or that .NET cannot evaluate).</summary>
    private static string? PatternMatchingKey(JsonElement schema, string name)
    {
        if (!schema.TryGetProperty("patternProperties", out var patterns) || patterns.ValueKind != JsonValueKind.Object) return null;
        foreach (var p in patterns.EnumerateObject())
        {
            try
            {
                if (System.Text.RegularExpressions.Regex.IsMatch(name, p.Name, System.Text.RegularExpressions.RegexOptions.ECMAScript,
                        TimeSpan.FromMilliseconds(100)))
                    return p.Name;
            }
            catch (Exception e) when (e is ArgumentException or System.Text.RegularExpressions.RegexMatchTimeoutException)
            {
                return p.Name;
            }
        }
        return null;
    }

    private static JsonElement? MatchingPatternSchema(JsonElement schema, string name)
    {
        if (!schema.TryGetProperty("patternProperties", out var patterns) || patterns.ValueKind != JsonValueKind.Object) return null;
        foreach (var p in patterns.EnumerateObject())
        {
            try
            {
                if (System.Text.RegularExpressions.Regex.IsMatch(name, p.Name, System.Text.RegularExpressions.RegexOptions.ECMAScript,
                        TimeSpan.FromMilliseconds(100)))
                    return p.Value;
            }
            catch (ArgumentException) { }
            catch (System.Text.RegularExpressions.RegexMatchTimeoutException) { }
        }
        return null;
    }

    private GrammarSymbol? ArrayValue(JsonElement schema, int depth)
    {
        var tuple = new List<JsonElement>();
        JsonElement rest = TrueSchema;
        string tupleKeyword = "prefixItems", restKeyword = "items";
        if (schema.TryGetProperty("prefixItems", out var prefix) && prefix.ValueKind == JsonValueKind.Array)
        {
            tuple.AddRange(prefix.EnumerateArray());
            if (schema.TryGetProperty("items", out var items)) rest = items;
        }
        else if (schema.TryGetProperty("items", out var items))
        {
            if (items.ValueKind == JsonValueKind.Array)
            {
                tuple.AddRange(items.EnumerateArray());
                (tupleKeyword, restKeyword) = ("items", "additionalItems");
                if (schema.TryGetProperty("additionalItems", out var additional)) rest = additional;
            }
            else rest = items;
        }
        int min = ReadCount(schema, "minItems") ?? 0;
        int max = ReadCount(schema, "maxItems") ?? -1;
        if (max >= 0 && min > max) return null;
        // Distinct elements need equality across the array: only arrays of at most one element are unique for free.
        if (schema.TryGetProperty("uniqueItems", out var unique) && unique.ValueKind == JsonValueKind.True && (max < 0 || max > 1))
            throw new JsonSchemaCompileException("uniqueItems", "uniqueItems is not enforced by the grammar (only with maxItems ≤ 1)");
        if (min > _options.MaxExactRepeat) min = 0;
        if (max > _options.MaxExactRepeat) max = -1;

        var elements = new List<GrammarSymbol>();
        foreach (var t in tuple)
        {
            if (ValueAt($"{tupleKeyword}/{elements.Count}", t, depth + 1) is not { } s) break; // nothing can fill this position: the array ends before it
            elements.Add(s);
        }
        GrammarSymbol? restSymbol = elements.Count == tuple.Count ? ValueAt(restKeyword, rest, depth + 1) : null;
        int limit = restSymbol is null ? elements.Count : int.MaxValue;
        if (max < 0 || max > limit) max = limit == int.MaxValue ? max : limit;
        if (max >= 0 && min > max) return null;

        // Tail(i): what may follow after i elements.
        GrammarSymbol Tail(int i)
        {
            if (i >= elements.Count)
            {
                if (restSymbol is not { } r) return _b.Sequence();
                int remainingMin = Math.Max(0, min - i);
                int remainingMax = max < 0 ? -1 : Math.Max(0, max - i);
                if (remainingMax == 0) return _b.Sequence();
                return _b.Repeat(_b.Sequence(_comma, r), remainingMin, remainingMax);
            }
            var rule = _b.NewRule($"items after {i}");
            if (i >= min) _b.AddAlternative(rule);
            if (max < 0 || i < max) _b.AddAlternative(rule, _comma, elements[i], Tail(i + 1));
            return rule;
        }

        var body = _b.NewRule("array");
        if (min == 0) _b.AddAlternative(body, _arrOpen, _arrClose);
        if (max != 0)
        {
            var firstElement = elements.Count > 0 ? elements[0] : restSymbol;
            if (firstElement is { } f) _b.AddAlternative(body, _arrOpen, f, Tail(1), _arrClose);
        }
        return _b.RuleAlternativeCount(body) == 0 ? null : body;
    }

    private static int? ReadCount(JsonElement schema, string keyword)
    {
        if (!schema.TryGetProperty(keyword, out var v) || v.ValueKind != JsonValueKind.Number) return null;
        double d = v.GetDouble();
        return d >= int.MaxValue ? int.MaxValue : (int)Math.Max(0, Math.Ceiling(d));
    }

    private GrammarSymbol? StringValue(JsonElement schema)
    {
        RegexNode content;
        if (schema.TryGetProperty("pattern", out var pattern) && pattern.GetString() is { } p)
        {
            content = PatternRegex(p);
            // Lengths beside a pattern: exact when the pattern is anchored fixed parts around one repeated class,
            // otherwise not enforced (no regex intersection; README).
            if (ReadCount(schema, "minLength") is not null || ReadCount(schema, "maxLength") is not null)
            {
                var limited = LengthLimitedPattern(p, ReadCount(schema, "minLength") ?? 0, ReadCount(schema, "maxLength") ?? -1, out bool none);
                if (none) return null;
                if (limited is not null) content = limited;
            }
            if (ReadCount(schema, "maxLength") is null && _options.MaxStringLength is int cap)
            {
                // Generating: bound the pattern's repetition too; when its fixed parts alone are longer, keep it whole.
                int minLength = ReadCount(schema, "minLength") ?? 0;
                var capped = LengthLimitedPattern(p, minLength, Math.Max(minLength, cap), out bool tooLong);
                if (!tooLong && capped is not null) content = capped;
            }
        }
        else if (schema.TryGetProperty("format", out var format) && format.GetString() is { } f && StringFormats.QuotedFor(f) is { } formatLexeme)
            return _b.Lexeme(formatLexeme, "string");
        else
        {
            int min = ReadCount(schema, "minLength") ?? 0;
            int max = ReadCount(schema, "maxLength") ?? -1;
            if (max >= 0 && min > max) return null;
            if (min > _options.MaxExactRepeat) min = 0;
            if (max > _options.MaxExactRepeat) max = -1;
            if (max < 0 && _options.MaxStringLength is int cap) max = Math.Max(min, cap);
            content = RegexNode.Repeat(new RegexCharSet(CodePointSet.All), min, max);
        }
        return _b.Lexeme(JsonStringRegex.Quoted(content), "string");
    }

    /// <summary>
    /// A JSON Schema pattern as a whole-string regex: patterns match anywhere unless anchored, so an unanchored side
    /// gets ".*" (any code point, newlines included). A pattern with top-level alternation is left unanchored on both sides.
    /// </summary>
    internal static RegexNode PatternRegex(string pattern)
    {
        RegexNode parsed;
        try
        {
            parsed = RegexParser.Parse(pattern);
        }
        catch (GrammarException) when (StripAnchors(pattern) is { } stripped && stripped != pattern)
        {
            // Anchors inside groups or alternatives: dropping them and matching anywhere only widens the language.
            return RegexNode.Concat([AnyString, ParsePattern(stripped), AnyString]);
        }
        catch (GrammarException e)
        {
            throw new JsonSchemaCompileException("pattern", $"'{pattern}': {e.Message}", e);
        }
        bool alternation = HasTopLevelAlternation(pattern);
        bool start = !alternation && pattern.StartsWith('^');
        bool end = !alternation && EndsWithAnchor(pattern);
        var anything = RegexNode.Repeat(new RegexCharSet(CodePointSet.All), 0, -1);
        return RegexNode.Concat([start ? RegexNode.Empty : anything, parsed, end ? RegexNode.Empty : anything]);
    }

    /// <summary>
    /// An anchored pattern made of single characters and classes with at most one variable repetition of a class,
    /// with that repetition narrowed to the length bounds; null when the pattern has another shape.
    /// </summary>
    private RegexNode? LengthLimitedPattern(string pattern, int minLength, int maxLength, out bool none)
    {
        none = false;
        if (HasTopLevelAlternation(pattern) || !pattern.StartsWith('^') || !EndsWithAnchor(pattern)) return null;
        RegexNode parsed;
        try { parsed = RegexParser.Parse(pattern); }
        catch (GrammarException) { return null; }
        var items = parsed is RegexConcat c ? (RegexNode[])c.Items.Clone() : [parsed];
        int fixedLength = 0, variable = -1;
        for (int i = 0; i < items.Length; i++)
        {
            switch (items[i])
            {
                case RegexCharSet: fixedLength++; break;
                case RegexRepeat { Item: RegexCharSet } r when r.Min == r.Max: fixedLength += r.Min; break;
                case RegexRepeat { Item: RegexCharSet } when variable < 0: variable = i; break;
                default: return null;
            }
        }
        if (variable < 0)
        {
            none = fixedLength < minLength || (maxLength >= 0 && fixedLength > maxLength);
            return none ? null : parsed;
        }
        var repeat = (RegexRepeat)items[variable];
        int low = Math.Max(repeat.Min, minLength - fixedLength);
        int high = maxLength < 0 ? repeat.Max : repeat.Max < 0 ? maxLength - fixedLength : Math.Min(repeat.Max, maxLength - fixedLength);
        if ((maxLength >= 0 && high < 0) || (high >= 0 && low > high)) { none = true; return null; }
        if (low > _options.MaxExactRepeat || high > _options.MaxExactRepeat) return null; // too long to count exactly
        items[variable] = RegexNode.Repeat(repeat.Item, low, high);
        return RegexNode.Concat(items);
    }

    private static readonly RegexNode AnyString = RegexNode.Repeat(new RegexCharSet(CodePointSet.All), 0, -1);

    private static RegexNode ParsePattern(string pattern)
    {
        try
        {
            return RegexParser.Parse(pattern);
        }
        catch (GrammarException e)
        {
            throw new JsonSchemaCompileException("pattern", $"'{pattern}': {e.Message}", e);
        }
    }

    /// <summary>The pattern without its unescaped ^ and $ outside character classes.</summary>
    private static string StripAnchors(string pattern)
    {
        var sb = new System.Text.StringBuilder(pattern.Length);
        bool inClass = false;
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length) { sb.Append(c).Append(pattern[++i]); continue; }
            if (inClass) { if (c == ']') inClass = false; sb.Append(c); continue; }
            if (c == '[') inClass = true;
            if (c is '^' or '$') continue;
            sb.Append(c);
        }
        return sb.ToString();
    }

    private static bool EndsWithAnchor(string pattern)
    {
        if (!pattern.EndsWith('$')) return false;
        int slashes = 0;
        for (int i = pattern.Length - 2; i >= 0 && pattern[i] == '\\'; i--) slashes++;
        return slashes % 2 == 0;
    }

    private static bool HasTopLevelAlternation(string pattern)
    {
        int depth = 0;
        bool inClass = false;
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '\\') { i++; continue; }
            if (inClass) { if (c == ']') inClass = false; continue; }
            if (c == '[') inClass = true;
            else if (c == '(') depth++;
            else if (c == ')') depth--;
            else if (c == '|' && depth == 0) return true;
        }
        return false;
    }

    private GrammarSymbol? IntegerValue(JsonElement schema, bool numberType = false)
    {
        var (low, lowExclusive) = Bound(schema, "minimum", "exclusiveMinimum", lower: true);
        var (high, highExclusive) = Bound(schema, "maximum", "exclusiveMaximum", lower: false);
        BigInteger? lo = low is { } l && ExactNumber.FloorCeiling(l) is var (lf, lc) ? (lowExclusive ? lf + 1 : lc) : null;
        BigInteger? hi = high is { } h && ExactNumber.FloorCeiling(h) is var (hf, hc) ? (highExclusive ? hc - 1 : hf) : null;
        if (_options.MaxNumberDigits is int maxDigits)
        {
            // Generating: an open side gets maxDigits more digits than the other bound (or than 0), so the range
            // stays non-empty and every value generated is still valid.
            var span = BigInteger.Pow(10, maxDigits) - 1;
            hi ??= BigInteger.Max(lo ?? 0, 0) + span;
            lo ??= BigInteger.Min(hi.Value, 0) - span;
        }
        var digits = MultipleOf(schema) is { } step
            ? IntegerMultiples(step, lo, hi)
            : IntegerRangeRegex.Create(lo, hi);
        if (digits is null) return null;
        if (_options.MaxNumberDigits is not null || (_draft4 && !numberType)) return _b.Lexeme(digits, "integer"); // generating: no "2.000…"
        // 2.0 is an integer too (JSON Schema counts mathematical value): allow a zero fraction.
        var zeroFraction = RegexNode.Repeat(RegexNode.Concat([RegexNode.Literal("."), RegexNode.Repeat(RegexNode.Literal("0"), 1, -1)]), 0, 1);
        return _b.Lexeme(RegexNode.Concat([digits, zeroFraction]), "integer");
    }

    /// <summary>The multipleOf value, exactly; null when absent.</summary>
    private static DecimalRangeRegex.Decimal? MultipleOf(JsonElement schema)
    {
        if (!schema.TryGetProperty("multipleOf", out var m)) return null;
        if (m.ValueKind != JsonValueKind.Number || DecimalRangeRegex.Decimal.Parse(m.GetRawText()) is not { } step || step.Negative || step.IsZero)
            throw new JsonSchemaCompileException("multipleOf", $"must be a number greater than 0, not {m.GetRawText()}");
        return step;
    }

    private RegexNode? IntegerMultiples(DecimalRangeRegex.Decimal step, BigInteger? lo, BigInteger? hi)
    {
        // An integer n is a multiple of a/10^k exactly when it is a multiple of a / gcd(a, 10^k) (0.5: every integer).
        var scale = BigInteger.Pow(10, step.Fraction.Length);
        var numerator = step.Integer * scale + (step.Fraction.Length == 0 ? 0 : BigInteger.Parse(step.Fraction, System.Globalization.CultureInfo.InvariantCulture));
        var integerStep = numerator / BigInteger.GreatestCommonDivisor(numerator, scale);
        step = new DecimalRangeRegex.Decimal(false, integerStep, "");
        if (_options.MaxNumberDigits is not null && lo is { } l && hi is { } h
            && (h - l) / step.Integer >= _options.MaxExactRepeat && !IsPowerOfTen(step.Integer))
        {
            // Generating: the first multiples from the bound nearer zero are enough (every one is valid).
            var span = step.Integer * (_options.MaxExactRepeat - 1);
            if (l >= 0) hi = l + span;
            else if (h <= 0) lo = h - span;
            else { lo = BigInteger.Max(l, -span / 2); hi = BigInteger.Min(h, span / 2); }
        }
        return MultipleOfRegex.Create(step.Integer, lo, hi, _options.MaxExactRepeat);
    }

    private static bool IsPowerOfTen(BigInteger n)
    {
        while (n > 1 && (n % 10).IsZero) n /= 10;
        return n.IsOne;
    }

    /// <summary>
    /// Numbers: bounds are enforced exactly on texts without an exponent (<see cref="DecimalRangeRegex"/>); texts with
    /// an exponent keep only the sign rule (minimum ≥ 0 forbids '-', maximum &lt; 0 requires it), a documented
    /// over-approximation. Generating, bounded numbers are written without an exponent.
    /// </summary>
    private GrammarSymbol? NumberValue(JsonElement schema)
    {
        var (lowText, lowExclusive) = Bound(schema, "minimum", "exclusiveMinimum", lower: true);
        var (highText, highExclusive) = Bound(schema, "maximum", "exclusiveMaximum", lower: false);
        double? low = lowText is null ? null : double.Parse(lowText, System.Globalization.CultureInfo.InvariantCulture);
        double? high = highText is null ? null : double.Parse(highText, System.Globalization.CultureInfo.InvariantCulture);
        if (low is { } l && high is { } h && (l > h || (l == h && (lowExclusive || highExclusive)))) return null;
        bool allowNegative = low is not { } lo || lo < 0;
        bool requireNegative = high is { } hi && (hi < 0 || (hi == 0 && highExclusive));
        var unbounded = NumberRegex(allowNegative, requireNegative, _options.MaxNumberDigits);
        int? fractionDigits = null;
        if (MultipleOf(schema) is { } step)
        {
            if (step.Fraction.Length == 0) return IntegerValue(schema, numberType: true); // an integral step admits integers only
            if (!step.Integer.IsZero || step.Fraction.TrimStart('0') != "1")
                throw new JsonSchemaCompileException("multipleOf",
                    $"multipleOf {step.Integer}.{step.Fraction} is not enforced for numbers (only integers and 0.1, 0.01, ...)");
            fractionDigits = step.Fraction.Length;
        }
        if (lowText is null && highText is null && fractionDigits is null) return _b.Lexeme(unbounded, "number");
        var lowExact = lowText is null ? null : DecimalRangeRegex.Decimal.Parse(lowText);
        var highExact = highText is null ? null : DecimalRangeRegex.Decimal.Parse(highText);
        if ((lowText is not null && lowExact is null) || (highText is not null && highExact is null))
            return _b.Lexeme(unbounded, "number"); // bound beyond exact reach: sign only
        if (_options.MaxNumberDigits is int maxDigits)
        {
            // Generating: an open side gets maxDigits more integer digits than the other bound (or than 0).
            var span = BigInteger.Pow(10, maxDigits) - 1;
            highExact ??= new DecimalRangeRegex.Decimal(false, BigInteger.Max(lowExact is { Negative: false } le ? le.Integer : 0, 0) + span, "");
            lowExact ??= new DecimalRangeRegex.Decimal(true, (highExact is { Negative: true } he ? he.Integer : 0) + span, "");
            var plain = DecimalRangeRegex.Create(lowExact, lowExclusive, highExact, highExclusive, maxDigits, fractionDigits);
            return plain is null ? null : _b.Lexeme(plain, "number");
        }
        var exact = DecimalRangeRegex.Create(lowExact, lowExclusive, highExact, highExclusive, fractionDigits: fractionDigits);
        var withExponent = NumberRegex(allowNegative, requireNegative, null, exponentRequired: true);
        return _b.Lexeme(exact is null ? withExponent : RegexNode.Alternate([exact, withExponent]), "number");
    }

    private static RegexNode NumberRegex(bool allowNegative, bool requireNegative, int? maxDigits, bool exponentRequired = false)
    {
        var body = RegexParser.Parse(maxDigits is int n
            ? $@"(0|[1-9][0-9]{{0,{n - 1}}})(\.[0-9]{{1,{n}}})?([eE][+-]?[0-9]{{1,3}})?"
            : exponentRequired ? @"(0|[1-9][0-9]*)(\.[0-9]+)?[eE][+-]?[0-9]+" : @"(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?");
        var sign = RegexNode.Literal("-");
        if (requireNegative) return RegexNode.Concat([sign, body]);
        return allowNegative ? RegexNode.Concat([RegexNode.Repeat(sign, 0, 1), body]) : body;
    }

    /// <summary>The tighter of the inclusive and exclusive bound (by double comparison), as its JSON number text.</summary>
    private static (string? Value, bool Exclusive) Bound(JsonElement schema, string inclusive, string exclusive, bool lower)
    {
        string? value = null;
        double current = 0;
        bool isExclusive = false;
        if (schema.TryGetProperty(inclusive, out var v) && v.ValueKind == JsonValueKind.Number)
        {
            value = v.GetRawText();
            current = v.GetDouble();
        }
        if (schema.TryGetProperty(exclusive, out var e))
        {
            if (e.ValueKind == JsonValueKind.True) isExclusive = value is not null; // draft 4: modifies the inclusive bound
            else if (e.ValueKind == JsonValueKind.Number && (value is null || (lower ? e.GetDouble() >= current : e.GetDouble() <= current)))
            {
                value = e.GetRawText();
                isExclusive = true;
            }
        }
        return (value, isExclusive);
    }

}
