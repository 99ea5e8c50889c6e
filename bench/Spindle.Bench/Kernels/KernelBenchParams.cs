using Spindle.Tensors.Blocks;
using Spindle.Tensors.Kernels;

namespace Spindle.Bench.Kernels;

/// <summary>
/// Parameter sets for the kernel benchmarks. Every combination is large, so each set can be narrowed by an
/// environment variable (inherited by BenchmarkDotNet's child process), e.g.
/// <c>SPINDLE_BENCH_TYPES=Q4_0,Q8_0 SPINDLE_BENCH_ISAS=Avx512 SPINDLE_BENCH_SHAPES=2048x2048</c>.
/// </summary>
public static class KernelBenchParams
{
    public static IEnumerable<GgmlType> Types() => Parse(
        "SPINDLE_BENCH_TYPES",
        [GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_NL, GgmlType.F16, GgmlType.BF16],
        Enum.Parse<GgmlType>);

    public static IEnumerable<KernelIsa> Isas() => Parse(
        "SPINDLE_BENCH_ISAS",
        [KernelIsa.Avx512, KernelIsa.Avx2, KernelIsa.Scalar],
        Enum.Parse<KernelIsa>).Where(KernelIsaSupport.IsSupported);

    public static IEnumerable<int> RowLengths() => Parse("SPINDLE_BENCH_ROWLENGTHS", [768, 2048, 5632], int.Parse);

    /// <summary>rows × row length: attention 768², 2048², FFN up/gate 5632 × 2048 and down 2048 × 5632 (TinyLlama-1.1B).</summary>
    public static IEnumerable<string> Shapes() => Parse("SPINDLE_BENCH_SHAPES", ["768x768", "2048x2048", "5632x2048", "2048x5632"], s => s);

    private static IEnumerable<T> Parse<T>(string variable, T[] defaults, Func<string, T> parse)
    {
        string? value = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(value)) return defaults;
        return value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(parse).ToArray();
    }

    internal static WeightKernel Create(GgmlType type, KernelIsa isa) => type switch
    {
        GgmlType.F16 => new F16Kernel(isa),
        GgmlType.BF16 => new BF16Kernel(isa),
        GgmlType.Q8_0 => new Q8_0Kernel(isa),
        GgmlType.Q4_0 => new Q4_0Kernel(isa),
        GgmlType.Q4_1 => new Q4_1Kernel(isa),
        GgmlType.Q5_0 => new Q5_0Kernel(isa),
        GgmlType.Q5_1 => new Q5_1Kernel(isa),
        GgmlType.IQ4_NL => new IQ4_NLKernel(isa),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>Random weights quantized by the type's own encoder and one prepared activation row per token.</summary>
    internal static (byte[] Weights, byte[] Activations) MakeData(WeightKernel kernel, int rows, int rowLength, int tokens)
    {
        var random = new Random(42);
        var floats = new float[rowLength];
        int rowBytes = (int)GgmlTypeInfo.ByteLength(kernel.Type, rowLength);
        var weights = new byte[(long)rows * rowBytes];
        var scratch = new byte[rowBytes];
        for (int r = 0; r < rows; r++)
        {
            Fill(random, floats, 0.02f);
            if (kernel.Type is GgmlType.F16 or GgmlType.BF16) kernel.PrepareActivation(floats, scratch);
            else Block32Quantizer.QuantizeRow(kernel.Type, floats, scratch);
            scratch.CopyTo(weights.AsSpan(r * rowBytes));
        }
        int activationBytes = (int)GgmlTypeInfo.ByteLength(kernel.ActivationType, rowLength);
        var activations = new byte[tokens * activationBytes];
        for (int t = 0; t < tokens; t++)
        {
            Fill(random, floats, 1f);
            kernel.PrepareActivation(floats, activations.AsSpan(t * activationBytes, activationBytes));
        }
        return (weights, activations);
    }

    private static void Fill(Random random, float[] values, float scale)
    {
        for (int i = 0; i < values.Length; i++) values[i] = (float)((random.NextDouble() * 2 - 1) * scale);
    }
}
