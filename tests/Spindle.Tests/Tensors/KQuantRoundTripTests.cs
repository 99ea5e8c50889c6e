using Spindle.Tensors.Blocks;
using Spindle.Tensors.Kernels;

namespace Spindle.Tests.Tensors;

/// <summary>Quantize → dequantize error per type on uniform and Gaussian data, 13 blocks each.</summary>
public sealed class KQuantRoundTripTests
{
    /// <summary>Bounds on relative RMS error: each type's bits give roughly a 2× step between neighbours
    /// (measured on Gaussian data: Q2_K ≈ 0.30, Q3_K ≈ 0.15, Q4_K ≈ 0.07, Q5_K ≈ 0.036, Q6_K ≈ 0.018, IQ4_XS ≈ 0.077).</summary>
    private static double Bound(GgmlType type) => type switch
    {
        GgmlType.Q2_K => 0.36,
        GgmlType.Q3_K => 0.19,
        GgmlType.Q4_K => 0.09,
        GgmlType.Q5_K => 0.045,
        GgmlType.Q6_K => 0.022,
        GgmlType.IQ4_XS => 0.095,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    [Theory]
    [MemberData(nameof(KQuantReferences.WeightTypesData), MemberType = typeof(KQuantReferences))]
    public void GaussianDataRoundTripsWithinTheTypesErrorBound(GgmlType type)
    {
        var rng = new Random(42);
        int n = 13 * 256;
        var x = new float[n];
        for (int i = 0; i < n; i++)
            x[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        var q = new byte[GgmlTypeInfo.ByteLength(type, n)];
        KQuantReferences.Quantize(type)(x, q);
        var back = new float[n];
        KQuantReferences.Dequantize(type)(q, back);
        double rms = KQuantReferences.RelativeRms(back, x);
        Assert.True(rms < Bound(type), $"{type}: relative RMS {rms:F4}");
        // WeightKernel.DequantizeRow is the same reference.
        var viaKernel = new float[n];
        WeightKernels.For(type).DequantizeRow(q, viaKernel);
        Assert.Equal(back, viaKernel);
    }

    [Theory]
    [MemberData(nameof(KQuantReferences.WeightTypesData), MemberType = typeof(KQuantReferences))]
    public void UniformDataRoundTripsWithinTheTypesErrorBound(GgmlType type)
    {
        var rng = new Random(43);
        int n = 13 * 256;
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = rng.NextSingle() * 2 - 1 + 0.25f;
        var q = new byte[GgmlTypeInfo.ByteLength(type, n)];
        KQuantReferences.Quantize(type)(x, q);
        var back = new float[n];
        KQuantReferences.Dequantize(type)(q, back);
        double rms = KQuantReferences.RelativeRms(back, x);
        Assert.True(rms < Bound(type), $"{type}: relative RMS {rms:F4}");
    }
}
