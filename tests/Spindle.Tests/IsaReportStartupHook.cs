using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Spindle.Tensors.Kernels;

/// <summary>
/// A .NET startup hook (DOTNET_STARTUP_HOOKS=path/to/Spindle.Tests.dll; the runtime requires this type name, in no
/// namespace): in a child process such as the spindle CLI, it writes the instruction sets that process sees, and the
/// kernel tiers Spindle picked from them, to the file named by SPINDLE_ISA_REPORT before Main runs. Tests use it to
/// prove that DOTNET_Enable* settings took effect in the child they started. Does nothing without the variable.
/// </summary>
internal static class StartupHook
{
    public const string ReportVariable = "SPINDLE_ISA_REPORT";

    public static void Initialize()
    {
        string? path = Environment.GetEnvironmentVariable(ReportVariable);
        if (string.IsNullOrEmpty(path)) return;
        File.WriteAllLines(path,
        [
            $"Avx2={Avx2.IsSupported}",
            $"Fma={Fma.IsSupported}",
            $"Avx512F={Avx512F.IsSupported}",
            $"Avx512BW={Avx512BW.IsSupported}",
            $"Vector128={Vector128.IsHardwareAccelerated}",
            $"Vector256={Vector256.IsHardwareAccelerated}",
            $"Vector512={Vector512.IsHardwareAccelerated}",
            $"Best={KernelIsaSupport.Best}",
            $"BestForInt8Dot={KernelIsaSupport.BestForInt8Dot}",
            $"KQuant={((KQuantKernel)WeightKernels.For(Spindle.Tensors.Blocks.GgmlType.Q4_K)).Isa}",
        ]);
    }
}
