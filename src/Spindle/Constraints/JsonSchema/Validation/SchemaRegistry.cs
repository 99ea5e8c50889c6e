using System.Text.Json;

namespace Spindle.Constraints.JsonSchema.Validation;

/// <summary>Where a subschema lives and what its identifiers mean: the index that $ref / $dynamicRef resolution
/// reads. Documents are walked once, following only schema-bearing keywords, so an "$id" inside an enum or const
/// value is never mistaken for an identifier.</summary>
internal sealed class SchemaRegistry
{
    /// <summary>Nesting beyond this while indexing a schema is treated as hostile input.</summary>
    private const int MaxSchemaDepth = 256;

    private readonly List<SchemaDocument> _documents = [];
    private readonly Dictionary<string, string> _resources = new(StringComparer.Ordinal);      // uri → info key
    private readonly Dictionary<string, string> _anchors = new(StringComparer.Ordinal);        // uri#name → info key
    private readonly Dictionary<string, SchemaInfo> _infos = new(StringComparer.Ordinal);      // info key → info
    private readonly Dictionary<string, SchemaResource> _resourceObjects = new(StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, JsonElement>? _remotes;

    public SchemaRegistry(IReadOnlyDictionary<string, JsonElement>? remotes) => _remotes = remotes;

    /// <summary>Every $dynamicAnchor / $recursiveAnchor seen so far (grows as remote documents load).</summary>
    public List<(SchemaResource Resource, string Name, string InfoKey)> DynamicAnchors { get; } = [];

    /// <summary>Adds a document and indexes it; returns the info key of its root.</summary>
    public string AddDocument(JsonElement root, string retrievalUri, SchemaDraft draft)
    {
        int doc = _documents.Count;
        _documents.Add(new SchemaDocument(root, retrievalUri, draft));
        string key = Key(doc, "");
        var resource = GetResource(retrievalUri);
        _resources[retrievalUri] = key;
        Index(doc, root, "", retrievalUri, resource, "", draft, 0, isResourceRoot: true);
        return key;
    }

    public SchemaInfo Info(string key) => _infos[key];

    public SchemaDraft DraftOf(JsonElement root, SchemaDraft fallback)
    {
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("$schema", out var s) && s.ValueKind == JsonValueKind.String)
            return SchemaDrafts.FromMetaSchemaUri(s.GetString()!) ?? fallback;
        return fallback;
    }

    /// <summary>Resolves a $ref value found in the schema at <paramref name="from"/>. Throws JsonSchemaException
    /// with the reference and its base when nothing matches.</summary>
    public string ResolveReference(SchemaInfo from, string reference)
    {
        var (uri, fragment) = UriReferences.Resolve(from.BaseUri, reference);
        if (!_resources.TryGetValue(uri, out var resourceKey))
        {
            if (!TryLoadRemote(uri))
                throw new JsonSchemaException($"$ref '{reference}' at '{from.Location}': resource '{uri}' is unknown (no embedded $id and no remote document)");
            resourceKey = _resources[uri];
        }
        if (string.IsNullOrEmpty(fragment)) return resourceKey;
        if (fragment[0] == '/' || fragment.StartsWith("%2F", StringComparison.OrdinalIgnoreCase))
        {
            var tokens = UriReferences.ParsePointerFragment(fragment);
            var resource = _infos[resourceKey];
            if (TryResolvePointer(resource, tokens, reference, from, out var key, out var error)) return key;
            // Real schemas (Heroku-style draft-4 "id": "schema/app") often write "#/definitions/..." meaning the
            // document root even inside a subschema with its own id. The spec says the pointer is relative to
            // that subschema, and that is tried first; the document root is only a fallback when it fails.
            if (resource.Pointer.Length > 0 && TryResolvePointer(_infos[Key(resource.Document, "")], tokens, reference, from, out key, out _))
                return key;
            throw new JsonSchemaException(error!);
        }
        string name = Uri.UnescapeDataString(fragment);
        if (_anchors.TryGetValue(uri + "#" + name, out var anchorKey)) return anchorKey;
        throw new JsonSchemaException($"$ref '{reference}' at '{from.Location}': no anchor '{name}' in '{uri}'");
    }

    private bool TryResolvePointer(SchemaInfo resource, List<string> tokens, string reference, SchemaInfo from,
        out string key, out string? error)
    {
        key = "";
        error = null;
        var element = resource.Element;
        string pointer = resource.Pointer;
        foreach (var token in tokens)
        {
            if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(token, out var child))
                element = child;
            else if (element.ValueKind == JsonValueKind.Array && int.TryParse(token, System.Globalization.NumberStyles.None, null, out int index) && index < element.GetArrayLength())
                element = element[index];
            else
            {
                error = $"$ref '{reference}' at '{from.Location}': JSON Pointer token '{token}' not found";
                return false;
            }
            pointer = UriReferences.Append(pointer, token);
        }
        key = Key(resource.Document, pointer);
        if (_infos.ContainsKey(key)) return true;
        // A pointer into a place the index did not visit (e.g. under an unknown keyword): treat it as a schema
        // in the resource it was reached through.
        if (element.ValueKind is not (JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
            throw new JsonSchemaException($"$ref '{reference}' at '{from.Location}' points at a {element.ValueKind}, not a schema");
        var res = resource.Resource;
        Index(resource.Document, element, pointer, resource.BaseUri, res, resource.ResourcePointer, resource.Draft, 0, isResourceRoot: false);
        return true;
    }

    private bool TryLoadRemote(string uri)
    {
        if (_remotes == null) return false;
        if (!_remotes.TryGetValue(uri, out var doc) && !_remotes.TryGetValue(uri + "#", out doc)) return false;
        var fallback = _documents[0].Draft;
        AddDocument(doc.Clone(), uri, DraftOf(doc, fallback));
        return true;
    }

    private SchemaResource GetResource(string uri)
    {
        if (!_resourceObjects.TryGetValue(uri, out var r)) _resourceObjects[uri] = r = new SchemaResource(uri);
        return r;
    }

    private static string Key(int doc, string pointer) => doc.ToString(System.Globalization.CultureInfo.InvariantCulture) + "#" + pointer;

    private void Index(int doc, JsonElement element, string pointer, string baseUri, SchemaResource resource,
        string resourcePointer, SchemaDraft draft, int depth, bool isResourceRoot)
    {
        if (depth > MaxSchemaDepth)
            throw new JsonSchemaException($"schema nested deeper than {MaxSchemaDepth} levels at '{resource.Uri}#{pointer[resourcePointer.Length..]}'");
        string key = Key(doc, pointer);
        if (element.ValueKind != JsonValueKind.Object)
        {
            if (element.ValueKind is JsonValueKind.True or JsonValueKind.False)
                _infos[key] = new SchemaInfo(doc, pointer, element, baseUri, resource, resourcePointer, draft, isResourceRoot);
            return;
        }
        if (element.TryGetProperty("$schema", out var schemaUri) && schemaUri.ValueKind == JsonValueKind.String
            && SchemaDrafts.FromMetaSchemaUri(schemaUri.GetString()!) is SchemaDraft declared)
            draft = declared;

        // Drafts ≤ 7: a $ref makes its siblings (including $id) be ignored.
        bool legacyRef = draft.IsLegacy() && element.TryGetProperty("$ref", out _);
        string idKeyword = draft == SchemaDraft.Draft4 ? "id" : "$id";
        if (!legacyRef && element.TryGetProperty(idKeyword, out var id) && id.ValueKind == JsonValueKind.String)
        {
            string idValue = id.GetString()!;
            if (draft.IsLegacy() && idValue.StartsWith('#'))
            {
                _anchors.TryAdd(baseUri + idValue, key); // draft 6/7 plain-name fragment: an anchor.
            }
            else
            {
                var (uri, fragment) = UriReferences.Resolve(baseUri, idValue);
                baseUri = uri;
                resource = GetResource(uri);
                resourcePointer = pointer;
                isResourceRoot = true;
                _resources[uri] = key;
                if (!string.IsNullOrEmpty(fragment) && draft.IsLegacy()) _anchors.TryAdd(uri + "#" + fragment, key);
            }
        }
        var info = new SchemaInfo(doc, pointer, element, baseUri, resource, resourcePointer, draft, isResourceRoot);
        _infos[key] = info;
        if (!draft.IsLegacy())
        {
            if (element.TryGetProperty("$anchor", out var anchor) && anchor.ValueKind == JsonValueKind.String)
                _anchors.TryAdd(baseUri + "#" + anchor.GetString(), key);
            if (element.TryGetProperty("$dynamicAnchor", out var dyn) && dyn.ValueKind == JsonValueKind.String)
            {
                string name = dyn.GetString()!;
                _anchors.TryAdd(baseUri + "#" + name, key);
                info.DynamicAnchor = name;
                DynamicAnchors.Add((resource, name, key));
            }
            if (element.TryGetProperty("$recursiveAnchor", out var rec) && rec.ValueKind == JsonValueKind.True)
            {
                info.DynamicAnchor = "";
                DynamicAnchors.Add((resource, "", key));
            }
        }

        foreach (var prop in element.EnumerateObject())
        {
            if (legacyRef && prop.Name is not ("definitions" or "$defs")) continue;
            switch (SchemaKeywordShapes.Of(prop.Name, draft))
            {
                case SchemaKeywordShape.Single:
                    Index(doc, prop.Value, UriReferences.Append(pointer, prop.Name), baseUri, resource, resourcePointer, draft, depth + 1, false);
                    break;
                case SchemaKeywordShape.Array:
                    if (prop.Value.ValueKind == JsonValueKind.Array)
                    {
                        string p = UriReferences.Append(pointer, prop.Name);
                        int i = 0;
                        foreach (var item in prop.Value.EnumerateArray())
                            Index(doc, item, UriReferences.Append(p, i++), baseUri, resource, resourcePointer, draft, depth + 1, false);
                    }
                    else
                    {
                        Index(doc, prop.Value, UriReferences.Append(pointer, prop.Name), baseUri, resource, resourcePointer, draft, depth + 1, false);
                    }
                    break;
                case SchemaKeywordShape.Map:
                    if (prop.Value.ValueKind == JsonValueKind.Object)
                    {
                        string p = UriReferences.Append(pointer, prop.Name);
                        foreach (var entry in prop.Value.EnumerateObject())
                            Index(doc, entry.Value, UriReferences.Append(p, entry.Name), baseUri, resource, resourcePointer, draft, depth + 1, false);
                    }
                    break;
            }
        }
    }

    private sealed record SchemaDocument(JsonElement Root, string RetrievalUri, SchemaDraft Draft);
}

/// <summary>One indexed subschema.</summary>
internal sealed class SchemaInfo(int document, string pointer, JsonElement element, string baseUri,
    SchemaResource resource, string resourcePointer, SchemaDraft draft, bool isResourceRoot)
{
    public int Document { get; } = document;
    /// <summary>Canonical JSON Pointer from the document root.</summary>
    public string Pointer { get; } = pointer;
    public JsonElement Element { get; } = element;
    /// <summary>Base URI in effect inside this schema (after its own $id).</summary>
    public string BaseUri { get; } = baseUri;
    public SchemaResource Resource { get; } = resource;
    /// <summary>Pointer of the enclosing resource's root within the document.</summary>
    public string ResourcePointer { get; } = resourcePointer;
    public SchemaDraft Draft { get; } = draft;
    public bool IsResourceRoot { get; } = isResourceRoot;
    /// <summary>$dynamicAnchor name, or "" for $recursiveAnchor: true.</summary>
    public string? DynamicAnchor { get; set; }

    public string Location => Resource.Uri + "#" + Pointer[ResourcePointer.Length..];
}
