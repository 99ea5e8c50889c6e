using Spindle.Tensors.Blocks;

namespace Spindle.Tests.Tensors;

/// <summary>The scalar reference functions of each type this branch adds, looked up by type for table-driven tests.</summary>
internal static class KQuantReferences
{
    public delegate void Quantizer(ReadOnlySpan<float> source, Span<byte> destination);
    public delegate void Dequantizer(ReadOnlySpan<byte> source, Span<float> destination);
    public delegate float DotProduct(ReadOnlySpan<byte> row, ReadOnlySpan<byte> activation);

    public static readonly GgmlType[] WeightTypes =
        [GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.IQ4_XS];

    public static TheoryData<GgmlType> WeightTypesData()
    {
        var data = new TheoryData<GgmlType>();
        foreach (var t in WeightTypes) data.Add(t);
        return data;
    }

    public static Quantizer Quantize(GgmlType type) => type switch
    {
        GgmlType.Q2_K => Q2_KReference.Quantize,
        GgmlType.Q3_K => Q3_KReference.Quantize,
        GgmlType.Q4_K => Q4_KReference.Quantize,
        GgmlType.Q5_K => Q5_KReference.Quantize,
        GgmlType.Q6_K => Q6_KReference.Quantize,
        GgmlType.IQ4_XS => IQ4_XSReference.Quantize,
        GgmlType.Q8_K => Q8_KReference.Quantize,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static Dequantizer Dequantize(GgmlType type) => type switch
    {
        GgmlType.Q2_K => Q2_KReference.Dequantize,
        GgmlType.Q3_K => Q3_KReference.Dequantize,
        GgmlType.Q4_K => Q4_KReference.Dequantize,
        GgmlType.Q5_K => Q5_KReference.Dequantize,
        GgmlType.Q6_K => Q6_KReference.Dequantize,
        GgmlType.IQ4_XS => IQ4_XSReference.Dequantize,
        GgmlType.Q8_K => Q8_KReference.Dequantize,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static DotProduct Dot(GgmlType type) => type switch
    {
        GgmlType.Q2_K => Q2_KReference.Dot,
        GgmlType.Q3_K => Q3_KReference.Dot,
        GgmlType.Q4_K => Q4_KReference.Dot,
        GgmlType.Q5_K => Q5_KReference.Dot,
        GgmlType.Q6_K => Q6_KReference.Dot,
        GgmlType.IQ4_XS => IQ4_XSReference.Dot,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>√(Σ(a−b)²/Σb²).</summary>
    public static double RelativeRms(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        double num = 0, den = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = actual[i] - expected[i];
            num += d * d;
            den += (double)expected[i] * expected[i];
        }
        return Math.Sqrt(num / den);
    }
}
