using Spindle.Tensors.Blocks;
using Spindle.Tensors.Kernels;

namespace Spindle.Tests.Tensors;

/// <summary>Kernels per (type, ISA) and seeded random rows for kernel tests.</summary>
internal static class KernelTestData
{
    public static readonly GgmlType[] Q8DotTypes =
        [GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_NL];

    public static readonly GgmlType[] HalfTypes = [GgmlType.F16, GgmlType.BF16];

    public static readonly KernelIsa[] VectorIsas = [KernelIsa.Avx2, KernelIsa.Avx512];

    public static readonly KernelIsa[] AllIsas = [KernelIsa.Scalar, KernelIsa.Avx2, KernelIsa.Avx512];

    public static WeightKernel Create(GgmlType type, KernelIsa isa) => WeightKernels.Create(type, isa);

    /// <summary>Every type with every ISA in <paramref name="isas"/> (the vector ones unless given); rows for an ISA the CPU
    /// lacks are still listed, and the test skips them (<see cref="IsaRequirement"/>).</summary>
    public static TheoryData<GgmlType, KernelIsa> Combinations(GgmlType[] types, KernelIsa[]? isas = null)
    {
        var data = new TheoryData<GgmlType, KernelIsa>();
        foreach (var t in types)
            foreach (var isa in isas ?? VectorIsas)
                data.Add(t, isa);
        return data;
    }

    public static TheoryData<KernelIsa> Isas(KernelIsa[] isas)
    {
        var data = new TheoryData<KernelIsa>();
        foreach (var isa in isas) data.Add(isa);
        return data;
    }

    /// <summary>Roughly normal values with occasional outliers, like trained weights and activations.</summary>
    public static float[] RandomFloats(Random random, int length, float scale = 1f)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            double normal = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            if (random.Next(50) == 0) normal *= 6;
            values[i] = (float)(normal * scale);
        }
        return values;
    }

    public static byte[] Prepare(WeightKernel kernel, float[] source)
    {
        var bytes = new byte[GgmlTypeInfo.ByteLength(kernel.ActivationType, source.Length)];
        kernel.PrepareActivation(source, bytes);
        return bytes;
    }

    public static byte[] Quantize(GgmlType type, float[] source)
    {
        var bytes = new byte[GgmlTypeInfo.ByteLength(type, source.Length)];
        if (type is GgmlType.F16 or GgmlType.BF16)
            Create(type, KernelIsa.Scalar).PrepareActivation(source, bytes);
        else
            Block32Quantizer.QuantizeRow(type, source, bytes);
        return bytes;
    }
}
