using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Spindle.Models.HuggingFace;

namespace Spindle.Tests.Models.HuggingFace;

/// <summary>Builds safetensors files for tests: well-formed from tensors, or from a hand-written header.</summary>
internal static class SafetensorsBytes
{
    public sealed record Entry(string Name, string DType, long[] Shape, byte[] Data);

    /// <summary>A well-formed file holding <paramref name="entries"/> in order, header padded to 8 bytes as writers do.</summary>
    public static byte[] Build(IEnumerable<Entry> entries, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new StringBuilder("{");
        var data = new MemoryStream();
        bool first = true;
        if (metadata != null)
        {
            header.Append("\"__metadata__\":").Append(JsonSerializer.Serialize(metadata));
            first = false;
        }
        foreach (var e in entries)
        {
            if (!first) header.Append(',');
            first = false;
            long begin = data.Length;
            data.Write(e.Data);
            header.Append(JsonSerializer.Serialize(e.Name)).Append(":{\"dtype\":\"").Append(e.DType)
                .Append("\",\"shape\":[").Append(string.Join(',', e.Shape)).Append("],\"data_offsets\":[")
                .Append(begin).Append(',').Append(data.Length).Append("]}");
        }
        header.Append('}');
        while ((header.Length + 8) % 8 != 0) header.Append(' ');
        return WithHeader(header.ToString(), data.ToArray());
    }

    /// <summary>Length prefix + <paramref name="headerJson"/> + <paramref name="data"/>, with no checks.</summary>
    public static byte[] WithHeader(string headerJson, byte[] data)
    {
        byte[] json = Encoding.UTF8.GetBytes(headerJson);
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        return bytes;
    }

    /// <summary>Every tensor of an existing file as entries (name, dtype, shape, bytes), in header order.</summary>
    public static unsafe List<Entry> ReadAll(string path)
    {
        using var file = SafetensorsFile.Open(path);
        var entries = new List<Entry>();
        foreach (var t in file.Tensors)
            entries.Add(new Entry(t.Name, t.DType, t.Shape, new ReadOnlySpan<byte>(file.GetTensorPointer(t), (int)t.ByteLength).ToArray()));
        return entries;
    }
}
