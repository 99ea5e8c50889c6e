using Spindle.Models.Benchmarking;
using Spindle.Models;
using Spindle.Tensors.Blocks;
namespace Spindle.Tests.Models.Benchmarking;

public class ModelBenchmarkTests
{
    private static readonly ModelBenchmarkOptions Quick = new()
    {
        PromptTokens = 6, GenerateTokens = 3, Repetitions = 3, MaximumWarmupTime = TimeSpan.Zero,
    };

    [Fact]
    public void Measures_both_tests_and_describes_the_model()
    {
        using var model = Model.Load(SharedData.PathOf("conformance", "llama.q8_0.gguf"), new ModelOptions { ThreadCount = 1 });
        var r = ModelBenchmark.Run(model, Quick);
        Assert.NotNull(r.Prompt);
        Assert.NotNull(r.Generation);
        Assert.Equal(6, r.Prompt.TokenCount);
        Assert.Equal(3, r.Generation.TokenCount);
        Assert.Equal(3, r.Prompt.TokensPerSecond.Count);
        Assert.All(r.Generation.TokensPerSecond, v => Assert.True(v > 0));
        Assert.Equal(1, r.ThreadCount);
        Assert.Equal("llama", r.Architecture);
        Assert.Equal(GgmlType.Q8_0, r.TypeMix[0].Type);
        Assert.Equal("Q8_0", r.DominantType);
        Assert.Equal(new FileInfo(SharedData.PathOf("conformance", "llama.q8_0.gguf")).Length, r.FileByteLength);
        // 2 layers × 6 slots × (K 128 + V 128) halves.
        Assert.Equal(2L * 6 * (128 + 128) * 2, r.KvCacheByteLength);
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal("tg", r.PeakPhase);
            Assert.True(r.PeakResidentBytes > r.FileByteLength);
        }
    }

    [Fact]
    public void Zero_tokens_skips_a_test()
    {
        using var model = Model.Load(SharedData.PathOf("models", "stories260K", "stories260K.f32.gguf"), new ModelOptions { ThreadCount = 1 });
        var r = ModelBenchmark.Run(model, Quick with { GenerateTokens = 0 });
        Assert.NotNull(r.Prompt);
        Assert.Null(r.Generation);
        if (OperatingSystem.IsLinux()) Assert.Equal("pp", r.PeakPhase);
    }

    [Fact]
    public void Process_memory_is_read_on_linux()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "process memory is read from /proc (Linux only)");
        Assert.True(ProcessMemory.ResidentBytes() > 0);
        Assert.True(ProcessMemory.PeakResidentBytes() >= ProcessMemory.ResidentBytes() / 2);
    }
}
