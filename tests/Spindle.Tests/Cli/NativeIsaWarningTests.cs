using Spindle.Cli;
using Spindle.Tensors.Kernels;

namespace Spindle.Tests.Cli;

public class NativeIsaWarningTests
{
    [Fact]
    public void A_native_build_below_the_cpu_says_so_and_how_to_rebuild()
    {
        string? message = NativeIsaWarning.Message(nativeBuild: true, KernelIsa.Scalar, KernelIsa.Avx2);
        Assert.NotNull(message);
        Assert.Contains("scalar", message);
        Assert.Contains("AVX2", message);
        Assert.Contains("PublishAot=true", message);
        Assert.Contains("AVX-512", NativeIsaWarning.Message(true, KernelIsa.Avx2, KernelIsa.Avx512));
    }

    [Theory]
    [InlineData(true, KernelIsa.Avx2, KernelIsa.Avx2)]      // compiled for what the CPU has
    [InlineData(true, KernelIsa.Avx512, KernelIsa.Avx2)]    // cannot happen (it would not start), but is no shortfall
    [InlineData(false, KernelIsa.Scalar, KernelIsa.Avx512)] // JIT: DOTNET_Enable* settings chose the lower tier
    public void Otherwise_nothing(bool native, KernelIsa kernels, KernelIsa cpu) =>
        Assert.Null(NativeIsaWarning.Message(native, kernels, cpu));

    [Fact]
    public void Bench_names_the_kernels_and_the_runtime()
    {
        var r = CliRunner.Run("bench", "-m", SharedData.PathOf("models", "stories260K", "stories260K.f32.gguf"), "-p", "0", "-n", "2", "-r", "1", "--max-warmup", "0");
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains($"kernels: {KernelReport.Describe()} (runtime: JIT)\n", r.Out);
        var json = CliRunner.Run("bench", "-m", SharedData.PathOf("models", "stories260K", "stories260K.f32.gguf"), "-p", "0", "-n", "2", "-r", "1", "--max-warmup", "0", "--json");
        Assert.True(json.ExitCode == 0, json.Error);
        using var doc = System.Text.Json.JsonDocument.Parse(json.Out);
        Assert.Equal(KernelReport.Describe(), doc.RootElement.GetProperty("kernels").GetString());
        Assert.Equal("JIT", doc.RootElement.GetProperty("runtime").GetString());
    }
}
