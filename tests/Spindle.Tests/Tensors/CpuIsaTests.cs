using Spindle.Tensors.Kernels;

namespace Spindle.Tests.Tensors;

/// <summary>
/// CPUID decoding (what a native spindle compares its compiled-in kernels with) and the kernel description tools print.
/// </summary>
public class CpuIsaTests
{
    // Leaf 1 ECX: FMA 12, MOVBE 22, OSXSAVE 27, AVX 28, F16C 29. Leaf 7 EBX: BMI1 3, AVX2 5, BMI2 8, AVX512 F 16,
    // DQ 17, CD 28, BW 30, VL 31. Leaf 0x80000001 ECX: LZCNT 5.
    private const int Leaf1V3 = (1 << 12) | (1 << 22) | (1 << 27) | (1 << 28) | (1 << 29);
    private const int Leaf7V3 = (1 << 3) | (1 << 5) | (1 << 8);
    private const int Leaf7Avx512 = (1 << 16) | (1 << 17) | (1 << 28) | (1 << 30) | unchecked((int)(1u << 31));
    private const int ExtendedV3 = 1 << 5;

    [Fact]
    public void X86_64_v3_is_the_avx2_tier() =>
        Assert.Equal(KernelIsa.Avx2, CpuIsa.Classify(Leaf1V3, Leaf7V3, ExtendedV3));

    [Fact]
    public void The_full_avx512_group_is_the_avx512_tier() =>
        Assert.Equal(KernelIsa.Avx512, CpuIsa.Classify(Leaf1V3, Leaf7V3 | Leaf7Avx512, ExtendedV3));

    [Theory]
    [InlineData(12)] // FMA
    [InlineData(22)] // MOVBE
    [InlineData(27)] // OSXSAVE: the OS does not save the ymm registers
    [InlineData(28)] // AVX
    [InlineData(29)] // F16C
    public void Any_missing_leaf1_feature_of_v3_means_scalar(int bit) =>
        Assert.Equal(KernelIsa.Scalar, CpuIsa.Classify(Leaf1V3 & ~(1 << bit), Leaf7V3 | Leaf7Avx512, ExtendedV3));

    [Theory]
    [InlineData(3)] // BMI1
    [InlineData(5)] // AVX2
    [InlineData(8)] // BMI2
    public void Any_missing_leaf7_feature_of_v3_means_scalar(int bit) =>
        Assert.Equal(KernelIsa.Scalar, CpuIsa.Classify(Leaf1V3, (Leaf7V3 | Leaf7Avx512) & ~(1 << bit), ExtendedV3));

    [Fact]
    public void Missing_lzcnt_means_scalar() =>
        Assert.Equal(KernelIsa.Scalar, CpuIsa.Classify(Leaf1V3, Leaf7V3, 0));

    [Theory]
    [InlineData(16)] // F
    [InlineData(17)] // DQ
    [InlineData(28)] // CD
    [InlineData(30)] // BW
    [InlineData(31)] // VL
    public void Part_of_the_avx512_group_stays_avx2(int bit) =>
        Assert.Equal(KernelIsa.Avx2, CpuIsa.Classify(Leaf1V3, (Leaf7V3 | Leaf7Avx512) & ~(1 << bit), ExtendedV3));

    [Fact]
    public void Detection_agrees_with_the_jit_on_this_cpu()
    {
        // The JIT decides IsSupported from the CPU as well, unless told otherwise through DOTNET_Enable* settings.
        foreach (string name in Environment.GetEnvironmentVariables().Keys.Cast<string>())
            Assert.SkipWhen(name.StartsWith("DOTNET_Enable", StringComparison.OrdinalIgnoreCase) || name.StartsWith("COMPlus_Enable", StringComparison.OrdinalIgnoreCase),
                $"{name} is set: the JIT's instruction sets are not the CPU's");
        Assert.Equal(KernelIsaSupport.Best, CpuIsa.Detected);
    }

    [Theory]
    [InlineData(KernelIsa.Avx2, KernelIsa.Avx2, "AVX2")]
    [InlineData(KernelIsa.Scalar, KernelIsa.Scalar, "scalar")]
    [InlineData(KernelIsa.Avx512, KernelIsa.Avx2, "AVX-512 (8-bit dot products: AVX2)")]
    public void Description_names_both_tiers_when_they_differ(KernelIsa kernels, KernelIsa int8, string expected) =>
        Assert.Equal(expected, KernelReport.Describe(kernels, int8));
}
