using System.Text;
using System.Text.Json;
using Spindle.Constraints.JsonSchema.Compilation;

namespace Spindle.Constraints.MaskBench;

/// <summary>
/// Serializes an instance with each object's keys in the order its schema declares them (declared keys first, by
/// their position in <c>properties</c> of the schema or of any $ref/allOf/anyOf/oneOf branch; others after, in instance
/// order). Used only to tell whether a rejected valid instance fails because the compiler fixes schema order.
/// </summary>
internal static class SchemaOrder
{
    public static string Serialize(JsonElement data, JsonElement schema, JsonElement root)
    {
        var sb = new StringBuilder();
        Write(data, schema, root, sb, 0);
        return sb.ToString();
    }

    private static void Write(JsonElement data, JsonElement schema, JsonElement root, StringBuilder sb, int depth)
    {
        var schemas = new List<JsonElement>();
        Collect(schema, root, schemas, depth);
        if (data.ValueKind == JsonValueKind.Object)
        {
            var order = new List<(string Name, JsonElement Schema)>();
            foreach (var s in schemas)
                if (s.TryGetProperty("properties", out var props) && props.ValueKind == JsonValueKind.Object)
                    foreach (var p in props.EnumerateObject())
                        if (!order.Exists(o => o.Name == p.Name)) order.Add((p.Name, p.Value));
            var members = data.EnumerateObject().ToList();
            members.Sort((a, b) => Rank(order, a.Name, members.IndexOf(a)).CompareTo(Rank(order, b.Name, members.IndexOf(b))));
            sb.Append('{');
            for (int i = 0; i < members.Count; i++)
            {
                if (i > 0) sb.Append(',');
                JsonText.WriteString(members[i].Name, sb);
                sb.Append(':');
                int at = order.FindIndex(o => o.Name == members[i].Name);
                Write(members[i].Value, at >= 0 ? order[at].Schema : default, root, sb, depth + 1);
            }
            sb.Append('}');
        }
        else if (data.ValueKind == JsonValueKind.Array)
        {
            JsonElement items = default;
            foreach (var s in schemas)
                if (s.TryGetProperty("items", out var it) && it.ValueKind == JsonValueKind.Object) items = it;
            sb.Append('[');
            int i = 0;
            foreach (var item in data.EnumerateArray())
            {
                if (i++ > 0) sb.Append(',');
                Write(item, items, root, sb, depth + 1);
            }
            sb.Append(']');
        }
        else JsonText.Write(data, sb);
    }

    private static (int, int) Rank(List<(string Name, JsonElement Schema)> order, string name, int index)
    {
        int at = order.FindIndex(o => o.Name == name);
        return at >= 0 ? (0, at) : (1, index);
    }

    private static void Collect(JsonElement schema, JsonElement root, List<JsonElement> into, int depth)
    {
        if (schema.ValueKind != JsonValueKind.Object || depth > 64 || into.Count > 64) return;
        into.Add(schema);
        if (schema.TryGetProperty("$ref", out var r) && r.GetString() is { } reference && reference.StartsWith('#'))
        {
            var node = root;
            bool ok = true;
            foreach (string part in reference.Length > 2 ? reference[2..].Split('/') : [])
            {
                string key = Uri.UnescapeDataString(part).Replace("~1", "/").Replace("~0", "~");
                if (node.ValueKind == JsonValueKind.Object && node.TryGetProperty(key, out var child)) node = child;
                else { ok = false; break; }
            }
            if (ok) Collect(node, root, into, depth + 1);
        }
        foreach (string combinator in (ReadOnlySpan<string>)["allOf", "anyOf", "oneOf"])
            if (schema.TryGetProperty(combinator, out var branches) && branches.ValueKind == JsonValueKind.Array)
                foreach (var b in branches.EnumerateArray()) Collect(b, root, into, depth + 1);
    }
}
