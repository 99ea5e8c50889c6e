using System.Buffers.Binary;
using System.Text.Json;

namespace Spindle.Models.HuggingFace;

/// <summary>
/// Reads a safetensors header: an 8-byte little-endian length N, then N bytes of JSON mapping each tensor name to
/// {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the data section after the header), plus an
/// optional "__metadata__" object of strings. Every number is checked before it is used, so a hostile file gives a
/// <see cref="SafetensorsFormatException"/> and never a large allocation or an access outside the file.
/// </summary>
internal static class SafetensorsHeaderParser
{
    /// <summary>The safetensors library's own limit (MAX_HEADER_SIZE); real headers are a few hundred kilobytes.</summary>
    public const long MaxHeaderByteLength = 100_000_000;

    public const int MaxTensorCount = 1 << 20;

    public const int MaxDimensions = 8;

    private const int MaxMetadataEntries = 4096;

    private const string MetadataKey = "__metadata__";

    /// <summary>The header length N from the first 8 bytes, checked against the file's length.</summary>
    public static long ReadHeaderLength(string path, ReadOnlySpan<byte> prefix, long fileLength)
    {
        if (fileLength < 8 || prefix.Length < 8)
            throw new SafetensorsFormatException(path, $"file is {fileLength} bytes, too short for the 8-byte header length");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (n < 2) throw new SafetensorsFormatException(path, $"header length {n} is too small for a JSON object");
        if (n > MaxHeaderByteLength)
            throw new SafetensorsFormatException(path, $"header length {n} exceeds the {MaxHeaderByteLength}-byte limit");
        if (n > (ulong)(fileLength - 8))
            throw new SafetensorsFormatException(path, $"header of {n} bytes runs past the end of the {fileLength}-byte file");
        return (long)n;
    }

    /// <summary>Parses the header JSON; <paramref name="dataByteLength"/> is what the file holds after it.</summary>
    public static SafetensorsHeader Parse(string path, ReadOnlySpan<byte> json, long dataByteLength)
    {
        var tensors = new List<SafetensorsTensor>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 8 });
            Expect(path, ref reader, JsonTokenType.StartObject, "the header");
            while (true)
            {
                Read(path, ref reader);
                if (reader.TokenType == JsonTokenType.EndObject) break;
                string name = reader.GetString()!;
                if (!names.Add(name)) throw new SafetensorsFormatException(path, $"'{name}' appears twice in the header");
                if (name == MetadataKey)
                {
                    ReadMetadata(path, ref reader, metadata);
                    continue;
                }
                if (tensors.Count >= MaxTensorCount)
                    throw new SafetensorsFormatException(path, $"the header lists more than {MaxTensorCount} tensors");
                tensors.Add(ReadTensor(path, ref reader, name, dataByteLength));
            }
            // Only padding may follow the object (writers pad the header with spaces to an 8-byte boundary).
            if (reader.Read()) throw new SafetensorsFormatException(path, "the header has data after its JSON object");
        }
        catch (JsonException e)
        {
            throw new SafetensorsFormatException(path, $"the header is not valid JSON: {e.Message}");
        }
        catch (InvalidOperationException e)
        {
            throw new SafetensorsFormatException(path, $"the header is not valid JSON: {e.Message}");
        }
        CheckNoOverlap(path, tensors);
        return new SafetensorsHeader { Tensors = tensors, Metadata = metadata, DataOffset = 8 + json.Length };
    }

    private static SafetensorsTensor ReadTensor(string path, ref Utf8JsonReader reader, string name, long dataByteLength)
    {
        string where = $"tensor '{name}'";
        Expect(path, ref reader, JsonTokenType.StartObject, where);
        string? dtype = null;
        long[]? shape = null;
        long begin = -1, end = -1;
        while (true)
        {
            Read(path, ref reader);
            if (reader.TokenType == JsonTokenType.EndObject) break;
            string field = reader.GetString()!;
            switch (field)
            {
                case "dtype":
                    Expect(path, ref reader, JsonTokenType.String, $"{where} dtype");
                    dtype = reader.GetString()!;
                    break;
                case "shape":
                    shape = ReadIntegers(path, ref reader, $"{where} shape", MaxDimensions);
                    break;
                case "data_offsets":
                    long[] offsets = ReadIntegers(path, ref reader, $"{where} data_offsets", 2);
                    if (offsets.Length != 2) throw new SafetensorsFormatException(path, $"{where}: data_offsets must be [begin, end]");
                    (begin, end) = (offsets[0], offsets[1]);
                    break;
                default:
                    Read(path, ref reader);
                    reader.Skip(); // unknown fields are tolerated, as the format may grow
                    break;
            }
        }
        if (dtype is null || shape is null || begin < 0)
            throw new SafetensorsFormatException(path, $"{where} needs \"dtype\", \"shape\" and \"data_offsets\"");
        int elementBytes = SafetensorsDTypes.ElementByteLength(dtype);
        if (elementBytes == 0) throw new SafetensorsFormatException(path, $"{where} has unknown dtype '{dtype}'");
        if (begin > end || end > dataByteLength)
            throw new SafetensorsFormatException(path,
                $"{where}: data_offsets [{begin}, {end}] are outside the {dataByteLength}-byte data section");
        long byteLength;
        try
        {
            long elements = 1;
            foreach (long d in shape) elements = checked(elements * d);
            byteLength = checked(elements * elementBytes);
        }
        catch (OverflowException)
        {
            throw new SafetensorsFormatException(path, $"{where}: shape [{string.Join(", ", shape)}] is too large");
        }
        if (byteLength != end - begin)
            throw new SafetensorsFormatException(path,
                $"{where}: shape [{string.Join(", ", shape)}] of {dtype} needs {byteLength} bytes but data_offsets give {end - begin}");
        return new SafetensorsTensor(name, dtype, shape, begin, byteLength);
    }

    private static long[] ReadIntegers(string path, ref Utf8JsonReader reader, string where, int maxCount)
    {
        Expect(path, ref reader, JsonTokenType.StartArray, where);
        var values = new List<long>();
        while (true)
        {
            Read(path, ref reader);
            if (reader.TokenType == JsonTokenType.EndArray) return values.ToArray();
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long v) || v < 0)
                throw new SafetensorsFormatException(path, $"{where} must hold non-negative integers");
            if (values.Count == maxCount) throw new SafetensorsFormatException(path, $"{where} has more than {maxCount} values");
            values.Add(v);
        }
    }

    private static void ReadMetadata(string path, ref Utf8JsonReader reader, Dictionary<string, string> metadata)
    {
        Expect(path, ref reader, JsonTokenType.StartObject, MetadataKey);
        while (true)
        {
            Read(path, ref reader);
            if (reader.TokenType == JsonTokenType.EndObject) return;
            string key = reader.GetString()!;
            Expect(path, ref reader, JsonTokenType.String, $"{MetadataKey}.{key}");
            if (metadata.Count >= MaxMetadataEntries)
                throw new SafetensorsFormatException(path, $"{MetadataKey} has more than {MaxMetadataEntries} entries");
            metadata[key] = reader.GetString()!;
        }
    }

    /// <summary>Two tensors sharing bytes would alias each other; the format forbids it (empty tensors take no bytes).</summary>
    private static void CheckNoOverlap(string path, List<SafetensorsTensor> tensors)
    {
        var order = new List<SafetensorsTensor>(tensors.Count);
        foreach (var t in tensors) if (t.ByteLength > 0) order.Add(t);
        order.Sort(static (a, b) => a.DataStart.CompareTo(b.DataStart));
        for (int i = 1; i < order.Count; i++)
        {
            var previous = order[i - 1];
            if (order[i].DataStart < previous.DataStart + previous.ByteLength)
                throw new SafetensorsFormatException(path, $"tensors '{previous.Name}' and '{order[i].Name}' overlap");
        }
    }

    private static void Read(string path, ref Utf8JsonReader reader)
    {
        if (!reader.Read()) throw new SafetensorsFormatException(path, "the header ends in the middle of its JSON");
    }

    private static void Expect(string path, ref Utf8JsonReader reader, JsonTokenType type, string where)
    {
        Read(path, ref reader);
        if (reader.TokenType != type) throw new SafetensorsFormatException(path, $"{where} must be a JSON {Describe(type)}, not {reader.TokenType}");
    }

    private static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.StartObject => "object",
        JsonTokenType.StartArray => "array",
        JsonTokenType.String => "string",
        _ => type.ToString(),
    };
}
