using System.Text.Json;

namespace Spindle.Models.HuggingFace;

/// <summary>
/// The safetensors files of a checkpoint folder: <c>model.safetensors</c>, or the shards that
/// <c>model.safetensors.index.json</c> lists (each tensor checked to be in the shard the index names).
/// </summary>
internal static class HfShardSet
{
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    private const long MaxIndexByteLength = 64 << 20;
    private const int MaxShardCount = 10_000;

    /// <summary>Opens the shards; the caller owns them. Tensors are returned in shard order, then header order.</summary>
    public static List<SafetensorsFile> Open(string directory, out List<(SafetensorsFile File, SafetensorsTensor Tensor)> tensors)
    {
        string index = Path.Combine(directory, IndexFileName);
        string single = Path.Combine(directory, SingleFileName);
        var shards = new List<SafetensorsFile>();
        try
        {
            Dictionary<string, string>? weightMap = null;
            if (File.Exists(index))
            {
                weightMap = ReadWeightMap(index);
                var distinct = new HashSet<string>(weightMap.Values, StringComparer.Ordinal);
                if (distinct.Count > MaxShardCount) throw new ModelFormatException($"{index} lists {distinct.Count} shards (at most {MaxShardCount})");
                var names = new List<string>(distinct);
                names.Sort(StringComparer.Ordinal);
                foreach (string name in names) shards.Add(OpenShard(Path.Combine(directory, name), index));
            }
            else if (File.Exists(single))
            {
                shards.Add(SafetensorsFile.Open(single));
            }
            else
            {
                throw new ModelFormatException(
                    $"{directory} has neither {SingleFileName} nor {IndexFileName} (Spindle reads safetensors weights, not pytorch_model.bin)");
            }

            tensors = new List<(SafetensorsFile, SafetensorsTensor)>();
            var seen = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            foreach (var shard in shards)
            {
                foreach (var t in shard.Tensors)
                {
                    if (!seen.TryAdd(t.Name, shard))
                        throw new ModelFormatException($"tensor '{t.Name}' is in both {seen[t.Name].Path} and {shard.Path}");
                    tensors.Add((shard, t));
                }
            }
            if (weightMap != null)
            {
                foreach (var (name, file) in weightMap)
                {
                    if (!seen.TryGetValue(name, out var holder) || Path.GetFileName(holder.Path) != file)
                        throw new ModelFormatException($"{index} places '{name}' in {file}, but that shard does not hold it");
                }
            }
            return shards;
        }
        catch
        {
            foreach (var s in shards) s.Dispose();
            throw;
        }
    }

    private static SafetensorsFile OpenShard(string path, string index)
    {
        if (!File.Exists(path)) throw new ModelFormatException($"{index} lists {Path.GetFileName(path)}, which is missing");
        return SafetensorsFile.Open(path);
    }

    /// <summary>"weight_map": tensor name → shard file name; a file name that leaves the folder is refused.</summary>
    private static Dictionary<string, string> ReadWeightMap(string index)
    {
        var info = new FileInfo(index);
        if (info.Length > MaxIndexByteLength) throw new ModelFormatException($"{index} is {info.Length} bytes (at most {MaxIndexByteLength})");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(index), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{index} is not valid JSON: {e.Message}");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object
                || !doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new ModelFormatException($"{index} has no \"weight_map\" object");
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.String)
                    throw new ModelFormatException($"{index}: weight_map['{entry.Name}'] must be a file name");
                string file = entry.Value.GetString()!;
                if (file.Length == 0 || file != Path.GetFileName(file) || file is "." or ".." || file.Contains('/') || file.Contains('\\')
                    || !file.EndsWith(".safetensors", StringComparison.Ordinal))
                    throw new ModelFormatException($"{index}: weight_map['{entry.Name}'] = '{file}' is not a .safetensors file in the folder");
                result[entry.Name] = file;
            }
            if (result.Count == 0) throw new ModelFormatException($"{index}: weight_map is empty");
            return result;
        }
    }
}
