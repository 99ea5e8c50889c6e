using System.Text.Encodings.Web;
using System.Text.Json;
using Spindle.Gguf;
using Spindle.Tensors.Blocks;
namespace Spindle.Cli.Inspection;

/// <summary>
/// The `spindle inspect --json` object. Raw metadata keeps every scalar and short array as JSON values; arrays longer
/// than <see cref="MetadataText.InlineArrayLimit"/> become {"type":"array","element_type":...,"count":...}.
/// </summary>
internal static class InspectJsonReport
{
    public static string Write(ModelSummary s)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("path", s.Path);
            w.WriteNumber("file_size", s.FileSize);
            w.WriteNumber("gguf_version", s.Version);
            w.WriteBoolean("hf_checkpoint", s.IsCheckpointFolder);
            w.WriteNumber("alignment", s.Alignment);
            w.WriteNumber("data_offset", s.DataOffset);
            WriteStringOrNull(w, "architecture", s.Architecture);
            WriteStringOrNull(w, "name", s.Name);
            if (s.Metadata.GetInt64OrNull(GgufKeys.FileType) is long fileType) w.WriteString("file_type", Models.Quantization.LlamaFileTypes.DisplayName(fileType));
            else w.WriteNull("file_type");

            w.WriteStartObject("hyperparameters");
            foreach (var (suffix, value) in s.HyperParameters)
            {
                w.WritePropertyName(suffix);
                WriteValue(w, value);
            }
            w.WriteEndObject();

            w.WriteStartObject("tokenizer");
            WriteStringOrNull(w, "model", s.TokenizerModel);
            WriteStringOrNull(w, "pre", s.TokenizerPre);
            if (s.VocabularySize is int n) w.WriteNumber("vocab_size", n); else w.WriteNull("vocab_size");
            if (s.MergeCount is int m) w.WriteNumber("merges", m);
            foreach (string key in ModelSummary.TokenizerIdKeys)
                if (s.Metadata.GetInt64OrNull(key) is long id) w.WriteNumber(ModelSummary.ShortTokenizerKey(key), id);
            foreach (string key in ModelSummary.TokenizerFlagKeys)
                if (s.Metadata.GetBoolOrNull(key) is bool flag) w.WriteBoolean(ModelSummary.ShortTokenizerKey(key), flag);
            w.WriteEndObject();

            w.WriteBoolean("has_chat_template", s.ChatTemplate != null);

            w.WriteNumber("tensor_count", s.Tensors.Count);
            w.WriteNumber("total_tensor_bytes", s.TotalTensorBytes);
            w.WriteNumber("total_parameters", s.TotalParameters);
            w.WriteStartArray("tensors");
            foreach (var t in s.Tensors)
            {
                w.WriteStartObject();
                w.WriteString("name", t.Name);
                w.WriteString("type", GgmlTypeInfo.Name(t.Type));
                w.WriteStartArray("shape");
                foreach (long d in t.Dimensions) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteNumber("bytes", t.ByteLength);
                w.WriteNumber("offset", t.Offset);
                w.WriteEndObject();
            }
            w.WriteEndArray();

            w.WriteStartObject("metadata");
            foreach (string key in s.Metadata.Keys)
            {
                w.WritePropertyName(key);
                WriteValue(w, s.Metadata[key]);
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteStringOrNull(Utf8JsonWriter w, string name, string? value)
    {
        if (value == null) w.WriteNull(name);
        else w.WriteString(name, value);
    }

    private static void WriteValue(Utf8JsonWriter w, GgufValue value)
    {
        if (value.Value is GgufArray a) WriteArray(w, a);
        else WriteScalar(w, value.Value);
    }

    private static void WriteArray(Utf8JsonWriter w, GgufArray a)
    {
        if (a.Count > MetadataText.InlineArrayLimit)
        {
            w.WriteStartObject();
            w.WriteString("type", "array");
            w.WriteString("element_type", MetadataText.TypeName(a.ElementType));
            w.WriteNumber("count", a.Count);
            w.WriteEndObject();
            return;
        }
        w.WriteStartArray();
        foreach (object item in a.Items)
        {
            if (item is GgufArray inner) WriteArray(w, inner);
            else WriteScalar(w, item);
        }
        w.WriteEndArray();
    }

    private static void WriteScalar(Utf8JsonWriter w, object value)
    {
        switch (value)
        {
            case string s: w.WriteStringValue(s); break;
            case bool b: w.WriteBooleanValue(b); break;
            // JSON has no NaN or infinities: those are written as strings.
            case float f when !float.IsFinite(f): w.WriteStringValue(f.ToString(System.Globalization.CultureInfo.InvariantCulture)); break;
            case double d when !double.IsFinite(d): w.WriteStringValue(d.ToString(System.Globalization.CultureInfo.InvariantCulture)); break;
            case float f: w.WriteNumberValue(f); break;
            case double d: w.WriteNumberValue(d); break;
            case byte v: w.WriteNumberValue(v); break;
            case sbyte v: w.WriteNumberValue(v); break;
            case ushort v: w.WriteNumberValue(v); break;
            case short v: w.WriteNumberValue(v); break;
            case uint v: w.WriteNumberValue(v); break;
            case int v: w.WriteNumberValue(v); break;
            case ulong v: w.WriteNumberValue(v); break;
            case long v: w.WriteNumberValue(v); break;
            default: w.WriteStringValue(value.ToString()); break;
        }
    }
}
