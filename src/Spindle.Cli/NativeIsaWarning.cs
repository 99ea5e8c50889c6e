using Spindle.Tensors.Kernels;

namespace Spindle.Cli;

/// <summary>
/// A native (NativeAOT) spindle runs the kernels of the instruction sets it was compiled for, whatever the CPU offers:
/// a binary built elsewhere, or for a lower baseline, would run AVX2 or scalar kernels on an AVX-512 or AVX2 machine
/// without a word. This says so on stderr. The JIT build picks its kernels from the CPU at run time and needs no warning
/// (there a lower tier means DOTNET_Enable* settings asked for it).
/// </summary>
internal static class NativeIsaWarning
{
    public static string? Message(bool nativeBuild, KernelIsa kernels, KernelIsa cpu) => nativeBuild && cpu > kernels
        ? $"warning: this native spindle was compiled for {KernelReport.Name(kernels)} kernels but this CPU has {KernelReport.Name(cpu)}; " +
          "rebuild it on this machine (dotnet publish src/Spindle.Cli -p:PublishAot=true -o bin) or run the JIT build"
        : null;
}
