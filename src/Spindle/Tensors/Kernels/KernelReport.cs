namespace Spindle.Tensors.Kernels;

/// <summary>
/// Which instruction sets this process's kernels run on, for tools to print (`spindle bench` says "kernels: AVX2"):
/// a build that fell back to scalar kernels shows here. <see cref="CpuIsa"/> says what the CPU itself could run.
/// </summary>
public static class KernelReport
{
    /// <summary>The float, F16/BF16 and K-quant kernels' tier.</summary>
    public static KernelIsa Kernels => KernelIsaSupport.Best;

    /// <summary>The Q8-activation integer kernels' tier (Q4_0 … IQ4_NL, Q8_0): AVX2 even where AVX-512 is available.</summary>
    public static KernelIsa Int8DotKernels => KernelIsaSupport.BestForInt8Dot;

    /// <summary>"AVX2", "scalar", or "AVX-512 (8-bit dot products: AVX2)" when the two tiers differ.</summary>
    public static string Describe() => Describe(Kernels, Int8DotKernels);

    public static string Describe(KernelIsa kernels, KernelIsa int8DotKernels) => kernels == int8DotKernels
        ? Name(kernels)
        : $"{Name(kernels)} (8-bit dot products: {Name(int8DotKernels)})";

    public static string Name(KernelIsa isa) => isa switch
    {
        KernelIsa.Avx512 => "AVX-512",
        KernelIsa.Avx2 => "AVX2",
        KernelIsa.Scalar => "scalar",
        _ => isa.ToString(),
    };
}
