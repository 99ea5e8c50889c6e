using System.Globalization;
using Spindle.Gguf;

namespace Spindle.Tests.Models;

/// <summary>Compares GGUF files tensor by tensor and key by key, listing every difference.</summary>
internal static class GgufComparison
{
    /// <summary>Differences in tensor order, names, types, shapes and bytes.</summary>
    public static List<string> TensorDifferences(GgufFile expected, GgufFile actual)
    {
        var differences = new List<string>();
        if (expected.Tensors.Count != actual.Tensors.Count)
            differences.Add($"tensor count: expected {expected.Tensors.Count}, got {actual.Tensors.Count}");
        for (int i = 0; i < Math.Min(expected.Tensors.Count, actual.Tensors.Count); i++)
        {
            var e = expected.Tensors[i];
            var a = actual.Tensors[i];
            if (e.Name != a.Name) { differences.Add($"tensor {i}: expected '{e.Name}', got '{a.Name}'"); continue; }
            if (e.Type != a.Type) { differences.Add($"{e.Name}: expected {e.Type}, got {a.Type}"); continue; }
            if (e.ShapeText != a.ShapeText) { differences.Add($"{e.Name}: expected shape {e.ShapeText}, got {a.ShapeText}"); continue; }
            if (e.Offset != a.Offset) differences.Add($"{e.Name}: expected offset {e.Offset}, got {a.Offset}");
            var eb = expected.GetTensorData(e);
            var ab = actual.GetTensorData(a);
            if (!eb.SequenceEqual(ab))
            {
                int at = eb.CommonPrefixLength(ab);
                differences.Add($"{e.Name} ({e.Type}): bytes differ from byte {at} of {eb.Length}");
            }
        }
        return differences;
    }

    /// <summary>Differences in key order, value types and values.</summary>
    public static List<string> MetadataDifferences(GgufMetadata expected, GgufMetadata actual)
    {
        var differences = new List<string>();
        string expectedKeys = string.Join(", ", expected.Keys), actualKeys = string.Join(", ", actual.Keys);
        if (expectedKeys != actualKeys) differences.Add($"keys: expected [{expectedKeys}], got [{actualKeys}]");
        foreach (string key in expected.Keys)
        {
            if (!actual.TryGetValue(key, out var a)) continue;
            string e = Text(expected[key]), t = Text(a);
            if (e != t) differences.Add($"{key}: expected {e}, got {t}");
        }
        return differences;
    }

    public static string Text(GgufValue value) => value.Value switch
    {
        GgufArray array => $"{array.ElementType}[{array.Count}]: " + string.Join("\u0001", array.Items.Cast<object>().Select(Item)),
        var v => $"{value.Type} {Item(v)}",
    };

    private static string Item(object item) => item switch
    {
        GgufArray a => $"{a.ElementType}[{a.Count}]",
        float f => BitConverter.SingleToInt32Bits(f).ToString("X8"),
        double d => BitConverter.DoubleToInt64Bits(d).ToString("X16"),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => item.ToString() ?? "",
    };
}
