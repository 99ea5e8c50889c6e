using System.Text.Json;
using System.Text.RegularExpressions;
using Spindle.Constraints.JsonSchema.Validation.Keywords;

namespace Spindle.Constraints.JsonSchema.Validation;

/// <summary>Turns indexed schema JSON into <see cref="SchemaNode"/> trees, checking keyword types as it goes so that
/// a malformed schema fails at compile time with the keyword's location, never during validation.</summary>
internal sealed class SchemaCompiler
{
    private readonly SchemaRegistry _registry;
    private readonly JsonSchemaValidatorOptions _options;
    private readonly Dictionary<string, SchemaNode> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Regex> _regexes = new(StringComparer.Ordinal);

    private readonly Vocabularies _vocabularies;

    public SchemaCompiler(SchemaRegistry registry, JsonSchemaValidatorOptions options, Vocabularies vocabularies)
    {
        _registry = registry;
        _options = options;
        _vocabularies = vocabularies;
    }

    /// <summary>Nodes created but whose keywords are not compiled yet. Compiling breadth-first from this queue
    /// instead of recursing keeps the stack flat however long a chain of $refs or definitions is.</summary>
    private readonly Queue<(SchemaInfo Info, SchemaNode Node)> _pending = new();

    /// <summary>Compiles everything reachable from an info key, then binds every dynamic anchor seen (compiling may
    /// load remote documents, which can add anchors and more nodes).</summary>
    public SchemaNode CompileRoot(string key)
    {
        var root = Compile(key);
        var anchors = _registry.DynamicAnchors;
        int next = 0;
        while (true)
        {
            while (_pending.Count > 0)
            {
                var (info, node) = _pending.Dequeue();
                node.SetKeywords(CompileKeywords(info));
            }
            if (next >= anchors.Count) break;
            var (resource, name, infoKey) = anchors[next++];
            resource.DynamicAnchors.TryAdd(name, Compile(infoKey));
        }
        return root;
    }

    /// <summary>The node for an info key: memoised, so a cycle resolves to the node already created; its keywords
    /// are filled in later from <see cref="_pending"/>.</summary>
    private SchemaNode Compile(string key)
    {
        if (_nodes.TryGetValue(key, out var existing)) return existing;
        var info = _registry.Info(key);
        var e = info.Element;
        SchemaNode node;
        if (e.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            node = new SchemaNode(info.Location, e.ValueKind == JsonValueKind.True, info.Resource, false);
        }
        else
        {
            bool hasUnevaluated = !info.Draft.IsLegacy() && (e.TryGetProperty("unevaluatedProperties", out _) || e.TryGetProperty("unevaluatedItems", out _));
            node = new SchemaNode(info.Location, null, info.Resource, hasUnevaluated);
            _pending.Enqueue((info, node));
        }
        _nodes[key] = node;
        return node;
    }

    private Keyword[] CompileKeywords(SchemaInfo info)
    {
        var e = info.Element;
        var keywords = new List<Keyword>();
        if (info.Draft.IsLegacy() && e.TryGetProperty("$ref", out var legacyRef))
        {
            // Drafts ≤ 7: "All other properties in a $ref object MUST be ignored."
            keywords.Add(CompileRef(info, legacyRef, "$ref"));
        }
        else
        {
            AddKeywords(info, keywords);
        }
        // Stable: unevaluated* after everything else.
        var ordered = new List<Keyword>(keywords.Count);
        foreach (var k in keywords) if (!k.RunsLast) ordered.Add(k);
        foreach (var k in keywords) if (k.RunsLast) ordered.Add(k);
        return [.. ordered];
    }

    private SchemaNode Child(SchemaInfo parent, params object[] path)
    {
        string pointer = parent.Pointer;
        foreach (var p in path)
            pointer = p is int i ? UriReferences.Append(pointer, i) : UriReferences.Append(pointer, (string)p);
        return Compile(parent.Document.ToString(System.Globalization.CultureInfo.InvariantCulture) + "#" + pointer);
    }

    private Keyword CompileRef(SchemaInfo info, JsonElement value, string keyword)
    {
        string loc = info.Location + "/" + keyword;
        if (value.ValueKind != JsonValueKind.String) throw new JsonSchemaException($"{loc}: must be a string");
        return new RefKeyword(loc, Compile(_registry.ResolveReference(info, value.GetString()!)));
    }

    private void AddKeywords(SchemaInfo info, List<Keyword> keywords)
    {
        var e = info.Element;
        var draft = info.Draft;
        string at = info.Location + "/";

        if (e.TryGetProperty("$ref", out var r)) keywords.Add(CompileRef(info, r, "$ref"));
        if (draft == SchemaDraft.Draft202012 && e.TryGetProperty("$dynamicRef", out var dr))
        {
            if (dr.ValueKind != JsonValueKind.String) throw new JsonSchemaException($"{at}$dynamicRef: must be a string");
            string reference = dr.GetString()!;
            var target = _registry.Info(_registry.ResolveReference(info, reference));
            int hash = reference.IndexOf('#');
            string? fragment = hash >= 0 ? reference[(hash + 1)..] : null;
            // Dynamic only if the fragment is an anchor name and the static target declares that same $dynamicAnchor.
            string? anchor = fragment != null && fragment.Length > 0 && fragment[0] != '/' && target.DynamicAnchor == fragment ? fragment : null;
            keywords.Add(new DynamicRefKeyword(at + "$dynamicRef", Compile(KeyOf(target)), anchor));
        }
        if (draft == SchemaDraft.Draft201909 && e.TryGetProperty("$recursiveRef", out var rr))
        {
            if (rr.ValueKind != JsonValueKind.String) throw new JsonSchemaException($"{at}$recursiveRef: must be a string");
            var target = _registry.Info(_registry.ResolveReference(info, rr.GetString()!));
            keywords.Add(new DynamicRefKeyword(at + "$recursiveRef", Compile(KeyOf(target)), target.DynamicAnchor == "" ? "" : null));
        }

        if (_vocabularies.Validation)
            AddValidationVocabulary(e, draft, at, keywords);
        AddFormat(e, at, keywords);
        AddArray(info, e, draft, at, keywords);
        AddObject(info, e, draft, at, keywords);
        AddCombinators(info, e, at, keywords);

        if (!draft.IsLegacy())
        {
            if (e.TryGetProperty("unevaluatedProperties", out _))
                keywords.Add(new UnevaluatedPropertiesKeyword(at + "unevaluatedProperties", Child(info, "unevaluatedProperties")));
            if (e.TryGetProperty("unevaluatedItems", out _))
                keywords.Add(new UnevaluatedItemsKeyword(at + "unevaluatedItems", Child(info, "unevaluatedItems")));
        }
    }

    /// <summary>Keywords of the validation vocabulary that need no subschemas; the count/required keywords of
    /// arrays and objects are added by AddArray/AddObject under the same switch.</summary>
    private void AddValidationVocabulary(JsonElement e, SchemaDraft draft, string at, List<Keyword> keywords)
    {
        if (e.TryGetProperty("type", out var type)) keywords.Add(CompileType(type, at + "type", draft == SchemaDraft.Draft4));
        if (e.TryGetProperty("enum", out var en))
        {
            if (en.ValueKind != JsonValueKind.Array) throw new JsonSchemaException($"{at}enum: must be an array");
            var values = new JsonElement[en.GetArrayLength()];
            int i = 0;
            foreach (var v in en.EnumerateArray()) values[i++] = v;
            keywords.Add(new EnumKeyword(at + "enum", values));
        }
        if (draft != SchemaDraft.Draft4 && e.TryGetProperty("const", out var cst)) keywords.Add(new ConstKeyword(at + "const", cst));

        AddNumeric(e, draft, at, keywords);
        AddString(e, at, keywords);
    }

    private static string KeyOf(SchemaInfo info) => info.Document.ToString(System.Globalization.CultureInfo.InvariantCulture) + "#" + info.Pointer;

    private static Keyword CompileType(JsonElement type, string loc, bool literalIntegers)
    {
        JsonTypes allowed = JsonTypes.None;
        if (type.ValueKind == JsonValueKind.String)
        {
            allowed = TypeKeyword.Parse(type.GetString()!, loc);
        }
        else if (type.ValueKind == JsonValueKind.Array)
        {
            foreach (var t in type.EnumerateArray())
            {
                if (t.ValueKind != JsonValueKind.String) throw new JsonSchemaException($"{loc}: array entries must be type names");
                allowed |= TypeKeyword.Parse(t.GetString()!, loc);
            }
        }
        else
        {
            throw new JsonSchemaException($"{loc}: must be a string or an array of strings");
        }
        return new TypeKeyword(loc, allowed, type.GetRawText(), literalIntegers);
    }

    private static void AddNumeric(JsonElement e, SchemaDraft draft, string at, List<Keyword> keywords)
    {
        bool exMaxFlag = false, exMinFlag = false;
        if (draft == SchemaDraft.Draft4)
        {
            // Draft 4: exclusiveMaximum/Minimum are booleans modifying maximum/minimum.
            exMaxFlag = e.TryGetProperty("exclusiveMaximum", out var xm) && xm.ValueKind == JsonValueKind.True;
            exMinFlag = e.TryGetProperty("exclusiveMinimum", out var xn) && xn.ValueKind == JsonValueKind.True;
        }
        if (e.TryGetProperty("maximum", out var max)) keywords.Add(new NumberBoundKeyword(at + "maximum", Number(max, at + "maximum"), true, exMaxFlag));
        if (e.TryGetProperty("minimum", out var min)) keywords.Add(new NumberBoundKeyword(at + "minimum", Number(min, at + "minimum"), false, exMinFlag));
        if (draft != SchemaDraft.Draft4)
        {
            if (e.TryGetProperty("exclusiveMaximum", out var xmax))
            {
                // Draft-4 style booleans in a newer schema are common in the wild; treat them as modifiers too.
                if (xmax.ValueKind is JsonValueKind.True or JsonValueKind.False)
                {
                    if (xmax.ValueKind == JsonValueKind.True && max.ValueKind == JsonValueKind.Number)
                        keywords.Add(new NumberBoundKeyword(at + "exclusiveMaximum", max, true, true));
                }
                else keywords.Add(new NumberBoundKeyword(at + "exclusiveMaximum", Number(xmax, at + "exclusiveMaximum"), true, true));
            }
            if (e.TryGetProperty("exclusiveMinimum", out var xmin))
            {
                if (xmin.ValueKind is JsonValueKind.True or JsonValueKind.False)
                {
                    if (xmin.ValueKind == JsonValueKind.True && min.ValueKind == JsonValueKind.Number)
                        keywords.Add(new NumberBoundKeyword(at + "exclusiveMinimum", min, false, true));
                }
                else keywords.Add(new NumberBoundKeyword(at + "exclusiveMinimum", Number(xmin, at + "exclusiveMinimum"), false, true));
            }
        }
        if (e.TryGetProperty("multipleOf", out var mo))
        {
            var m = Number(mo, at + "multipleOf");
            if (JsonValues.CompareNumbers(m, ZeroElement) <= 0) throw new JsonSchemaException($"{at}multipleOf: must be > 0");
            keywords.Add(new MultipleOfKeyword(at + "multipleOf", m));
        }
    }

    private static readonly JsonElement ZeroElement = JsonDocument.Parse("0").RootElement;

    private void AddString(JsonElement e, string at, List<Keyword> keywords)
    {
        if (e.TryGetProperty("maxLength", out var maxL)) keywords.Add(new StringLengthKeyword(at + "maxLength", Count(maxL, at + "maxLength"), true));
        if (e.TryGetProperty("minLength", out var minL)) keywords.Add(new StringLengthKeyword(at + "minLength", Count(minL, at + "minLength"), false));
        if (e.TryGetProperty("pattern", out var pat))
        {
            if (pat.ValueKind != JsonValueKind.String) throw new JsonSchemaException($"{at}pattern: must be a string");
            string p = pat.GetString()!;
            keywords.Add(new PatternKeyword(at + "pattern", p, Regex(p, at + "pattern")));
        }
    }

    private void AddFormat(JsonElement e, string at, List<Keyword> keywords)
    {
        if (_vocabularies.AssertFormat && e.TryGetProperty("format", out var fmt) && fmt.ValueKind == JsonValueKind.String)
        {
            string name = fmt.GetString()!;
            var check = FormatCheckers.Get(name);
            if (check != null) keywords.Add(new FormatKeyword(at + "format", name, check));
        }
    }

    private void AddArray(SchemaInfo info, JsonElement e, SchemaDraft draft, string at, List<Keyword> keywords)
    {
        SchemaNode[] prefix = [];
        SchemaNode? rest = null;
        string restLoc = at + "items";
        bool hasItems = false;
        bool tupleItems = e.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array;
        if (draft == SchemaDraft.Draft202012 && !tupleItems)
        {
            if (e.TryGetProperty("prefixItems", out var pi))
            {
                if (pi.ValueKind != JsonValueKind.Array) throw new JsonSchemaException($"{at}prefixItems: must be an array");
                prefix = ChildArray(info, "prefixItems", pi);
                hasItems = true;
            }
            if (e.TryGetProperty("items", out _))
            {
                rest = Child(info, "items");
                hasItems = true;
            }
        }
        else if (e.TryGetProperty("items", out _))
        {
            // Drafts ≤ 2019-09 (and 2020-12 schemas still written the old way, common in the wild): an array of
            // items is a tuple and additionalItems covers the rest.
            hasItems = true;
            if (tupleItems)
            {
                prefix = ChildArray(info, "items", items);
                if (e.TryGetProperty("additionalItems", out _))
                {
                    rest = Child(info, "additionalItems");
                    restLoc = at + "additionalItems";
                }
            }
            else
            {
                rest = Child(info, "items");
            }
        }
        if (hasItems) keywords.Add(new ItemsKeyword(at + (draft == SchemaDraft.Draft202012 && prefix.Length > 0 ? "prefixItems" : "items"), prefix, rest, restLoc));

        if (e.TryGetProperty("contains", out _))
        {
            long minC = 1, maxC = long.MaxValue;
            if (draft >= SchemaDraft.Draft201909)
            {
                if (e.TryGetProperty("minContains", out var mc)) minC = Count(mc, at + "minContains");
                if (e.TryGetProperty("maxContains", out var xc)) maxC = Count(xc, at + "maxContains");
            }
            keywords.Add(new ContainsKeyword(at + "contains", Child(info, "contains"), minC, maxC, draft == SchemaDraft.Draft202012));
        }
        if (!_vocabularies.Validation) return;
        if (e.TryGetProperty("maxItems", out var maxI)) keywords.Add(new ItemCountKeyword(at + "maxItems", Count(maxI, at + "maxItems"), true));
        if (e.TryGetProperty("minItems", out var minI)) keywords.Add(new ItemCountKeyword(at + "minItems", Count(minI, at + "minItems"), false));
        if (e.TryGetProperty("uniqueItems", out var ui))
        {
            if (ui.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) throw new JsonSchemaException($"{at}uniqueItems: must be a boolean");
            if (ui.ValueKind == JsonValueKind.True) keywords.Add(new UniqueItemsKeyword(at + "uniqueItems"));
        }
    }

    private void AddObject(SchemaInfo info, JsonElement e, SchemaDraft draft, string at, List<Keyword> keywords)
    {
        Dictionary<string, SchemaNode>? props = null;
        if (e.TryGetProperty("properties", out var pr))
        {
            if (pr.ValueKind != JsonValueKind.Object) throw new JsonSchemaException($"{at}properties: must be an object");
            props = new Dictionary<string, SchemaNode>(StringComparer.Ordinal);
            foreach (var p in pr.EnumerateObject()) props[p.Name] = Child(info, "properties", p.Name);
        }
        var patterns = new List<(Regex, SchemaNode)>();
        if (e.TryGetProperty("patternProperties", out var pp))
        {
            if (pp.ValueKind != JsonValueKind.Object) throw new JsonSchemaException($"{at}patternProperties: must be an object");
            foreach (var p in pp.EnumerateObject())
                patterns.Add((Regex(p.Name, at + "patternProperties"), Child(info, "patternProperties", p.Name)));
        }
        SchemaNode? additional = e.TryGetProperty("additionalProperties", out _) ? Child(info, "additionalProperties") : null;
        if (props != null || patterns.Count > 0 || additional != null)
            keywords.Add(new PropertiesKeyword(at + "properties", props, [.. patterns], additional, at + "additionalProperties"));

        bool validation = _vocabularies.Validation;
        if (validation && e.TryGetProperty("required", out var req))
        {
            // Draft 3's boolean "required" still appears in real schemas; it has no meaning at the object level.
            if (req.ValueKind == JsonValueKind.Array) keywords.Add(new RequiredKeyword(at + "required", Strings(req, at + "required")));
            else if (req.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) throw new JsonSchemaException($"{at}required: must be an array of strings");
        }
        if (validation && e.TryGetProperty("maxProperties", out var maxP)) keywords.Add(new PropertyCountKeyword(at + "maxProperties", Count(maxP, at + "maxProperties"), true));
        if (validation && e.TryGetProperty("minProperties", out var minP)) keywords.Add(new PropertyCountKeyword(at + "minProperties", Count(minP, at + "minProperties"), false));
        if (draft != SchemaDraft.Draft4 && e.TryGetProperty("propertyNames", out _))
            keywords.Add(new PropertyNamesKeyword(at + "propertyNames", Child(info, "propertyNames")));

        var depRequired = new List<(string, string[])>();
        var depSchemas = new List<(string, SchemaNode)>();
        // Every draft honours "dependencies": 2019-09 split it in two, but real schemas mix dialects.
        if (e.TryGetProperty("dependencies", out var deps))
        {
            if (deps.ValueKind != JsonValueKind.Object) throw new JsonSchemaException($"{at}dependencies: must be an object");
            foreach (var d in deps.EnumerateObject())
            {
                if (d.Value.ValueKind == JsonValueKind.Array) depRequired.Add((d.Name, Strings(d.Value, at + "dependencies/" + d.Name)));
                else depSchemas.Add((d.Name, Child(info, "dependencies", d.Name)));
            }
        }
        if (!draft.IsLegacy())
        {
            if (e.TryGetProperty("dependentRequired", out var dreq))
            {
                if (dreq.ValueKind != JsonValueKind.Object) throw new JsonSchemaException($"{at}dependentRequired: must be an object");
                foreach (var d in dreq.EnumerateObject()) depRequired.Add((d.Name, Strings(d.Value, at + "dependentRequired/" + d.Name)));
            }
            if (e.TryGetProperty("dependentSchemas", out var dsch))
            {
                if (dsch.ValueKind != JsonValueKind.Object) throw new JsonSchemaException($"{at}dependentSchemas: must be an object");
                foreach (var d in dsch.EnumerateObject()) depSchemas.Add((d.Name, Child(info, "dependentSchemas", d.Name)));
            }
        }
        if (validation && depRequired.Count > 0) keywords.Add(new DependentRequiredKeyword(at + (draft.IsLegacy() ? "dependencies" : "dependentRequired"), [.. depRequired]));
        if (depSchemas.Count > 0) keywords.Add(new DependentSchemasKeyword(at + (draft.IsLegacy() ? "dependencies" : "dependentSchemas"), [.. depSchemas]));
    }

    private void AddCombinators(SchemaInfo info, JsonElement e, string at, List<Keyword> keywords)
    {
        if (e.TryGetProperty("allOf", out var all)) keywords.Add(new AllOfKeyword(at + "allOf", NonEmptyChildArray(info, "allOf", all)));
        if (e.TryGetProperty("anyOf", out var any)) keywords.Add(new AnyOfKeyword(at + "anyOf", NonEmptyChildArray(info, "anyOf", any)));
        if (e.TryGetProperty("oneOf", out var one)) keywords.Add(new OneOfKeyword(at + "oneOf", NonEmptyChildArray(info, "oneOf", one)));
        if (e.TryGetProperty("not", out _)) keywords.Add(new NotKeyword(at + "not", Child(info, "not")));
        if (info.Draft >= SchemaDraft.Draft7 && e.TryGetProperty("if", out _))
        {
            SchemaNode? then = e.TryGetProperty("then", out _) ? Child(info, "then") : null;
            SchemaNode? @else = e.TryGetProperty("else", out _) ? Child(info, "else") : null;
            // Kept even without then/else: a passing 'if' still contributes annotations to unevaluated*.
            keywords.Add(new IfThenElseKeyword(at + "if", Child(info, "if"), then, @else, at + "then", at + "else"));
        }
    }

    private SchemaNode[] NonEmptyChildArray(SchemaInfo info, string keyword, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
            throw new JsonSchemaException($"{info.Location}/{keyword}: must be a non-empty array of schemas");
        return ChildArray(info, keyword, value);
    }

    private SchemaNode[] ChildArray(SchemaInfo info, string keyword, JsonElement value)
    {
        var nodes = new SchemaNode[value.GetArrayLength()];
        for (int i = 0; i < nodes.Length; i++) nodes[i] = Child(info, keyword, i);
        return nodes;
    }

    private Regex Regex(string pattern, string loc)
    {
        if (_regexes.TryGetValue(pattern, out var regex)) return regex;
        try
        {
            regex = EcmaRegex.Create(pattern, _options.RegexTimeout);
        }
        catch (ArgumentException ex)
        {
            throw new JsonSchemaException($"{loc}: invalid regular expression '{pattern}': {ex.Message}", ex);
        }
        _regexes[pattern] = regex;
        return regex;
    }

    private static JsonElement Number(JsonElement v, string loc) =>
        v.ValueKind == JsonValueKind.Number ? v : throw new JsonSchemaException($"{loc}: must be a number");

    /// <summary>A non-negative integer (1.0 allowed, as the meta-schema's "integer" allows it).</summary>
    private static long Count(JsonElement v, string loc)
    {
        if (v.ValueKind != JsonValueKind.Number || !JsonValues.IsInteger(v)) throw new JsonSchemaException($"{loc}: must be a non-negative integer");
        double d = v.GetDouble();
        if (d < 0) throw new JsonSchemaException($"{loc}: must be a non-negative integer");
        return d >= long.MaxValue ? long.MaxValue : (long)d;
    }

    private static string[] Strings(JsonElement v, string loc)
    {
        if (v.ValueKind != JsonValueKind.Array) throw new JsonSchemaException($"{loc}: must be an array of strings");
        var result = new string[v.GetArrayLength()];
        int i = 0;
        foreach (var s in v.EnumerateArray())
        {
            if (s.ValueKind != JsonValueKind.String) throw new JsonSchemaException($"{loc}: must be an array of strings");
            result[i++] = s.GetString()!;
        }
        return result;
    }
}
