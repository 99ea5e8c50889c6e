using Spindle.Gguf;
using Spindle.Models;
using Spindle.Tensors.Blocks;
using Spindle.Tensors.Ops;
namespace Spindle.Tests.Models;

public sealed class ModelLoadingTests
{
    [Fact]
    public void Stories260KConfigurationComesFromMetadata()
    {
        using var model = Model.Load(ReferenceModels.Find("models/stories260K/stories260K.f32.gguf").GgufPath);
        Assert.Equal(
            new ModelConfig(ModelArchitecture.Llama, EmbeddingLength: 64, LayerCount: 5, HeadCount: 8, KvHeadCount: 4,
                KeyHeadDim: 8, ValueHeadDim: 8, FeedForwardLength: 172, VocabSize: 512, ContextLength: 512,
                RmsEpsilon: 1e-5f, RopeFreqBase: 10000f, RopeDimensionCount: 8, RopeKind: RopeKind.Normal),
            model.Config);
        Assert.False(model.Weights.IsOutputTied);
    }

    [Theory]
    [InlineData("conformance/llama.f32.gguf", ModelArchitecture.Llama, RopeKind.Normal, 10000f, false)]
    [InlineData("conformance/llama-tied.f32.gguf", ModelArchitecture.Llama, RopeKind.Normal, 10000f, true)]
    [InlineData("conformance/qwen2.f32.gguf", ModelArchitecture.Qwen2, RopeKind.Neox, 1e6f, false)]
    [InlineData("conformance/phi3.f32.gguf", ModelArchitecture.Phi3, RopeKind.Neox, 1e6f, false)]
    [InlineData("conformance/gemma.f32.gguf", ModelArchitecture.Gemma, RopeKind.Neox, 10000f, true)]
    public void ArchitectureDetailsAreRecognized(string file, ModelArchitecture arch, RopeKind rope, float freqBase, bool tied)
    {
        using var model = Model.Load(ReferenceModels.Find(file).GgufPath);
        var c = model.Config;
        Assert.Equal(arch, c.Architecture);
        Assert.Equal(rope, c.RopeKind);
        Assert.Equal(freqBase, c.RopeFreqBase);
        Assert.Equal(tied, model.Weights.IsOutputTied);
        Assert.Equal((256, 2, 4, 2, 64, 512, 512), (c.EmbeddingLength, c.LayerCount, c.HeadCount, c.KvHeadCount, c.KeyHeadDim, c.FeedForwardLength, c.VocabSize));
        Assert.Equal(arch == ModelArchitecture.Gemma ? 16f : 1f, c.EmbeddingScale);
        var layer = model.Weights.Layers[0];
        Assert.Equal(arch == ModelArchitecture.Phi3, layer.FusedQkv is not null);
        Assert.Equal(arch == ModelArchitecture.Phi3, layer.Gate is null);
        Assert.Equal(arch == ModelArchitecture.Qwen2, layer.QueryBias is not null);
    }

    [Fact]
    public void SyntheticModelLoadsAndRuns()
    {
        using var file = GgufFile.FromMemory(SyntheticGguf.TinyLlama().Build());
        using var model = Model.Load(file);
        Assert.Equal(8, model.Config.KeyHeadDim);
        Assert.Equal(8, model.Config.RopeDimensionCount);
        Assert.True(model.Weights.IsOutputTied);
        var logits = new float[40];
        model.Forward([1, 2, 3], [0, 1, 2], model.CreateCache(), logits);
        Assert.All(logits, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void MissingTensorIsNamed()
    {
        var e = LoadFails(SyntheticGguf.TinyLlama().Without("blk.1.attn_q.weight"));
        Assert.Equal("missing tensor 'blk.1.attn_q.weight'", e.Message);
    }

    [Fact]
    public void WrongShapeIsReportedWithBothShapes()
    {
        var e = LoadFails(SyntheticGguf.TinyLlama().Tensor("blk.0.attn_k.weight", 32, 32));
        Assert.Equal("tensor 'blk.0.attn_k.weight' has shape [32, 32], expected [32, 16]", e.Message);
    }

    [Fact]
    public void TypeWithoutKernelIsReported()
    {
        // I64 is a valid GGUF tensor type that no weight kernel will ever handle.
        var e = LoadFails(SyntheticGguf.TinyLlama().Tensor("blk.0.ffn_up.weight", GgmlType.I64, 32, 64));
        Assert.Equal("tensor 'blk.0.ffn_up.weight' has type i64, which Spindle cannot compute with yet", e.Message);
    }

    [Fact]
    public void UnsupportedArchitectureListsSupportedOnes()
    {
        var e = LoadFails(SyntheticGguf.TinyLlama().Set("general.architecture", "mamba"));
        Assert.Contains("unsupported architecture 'mamba'", e.Message);
        Assert.Contains("llama, qwen2, phi3, gemma", e.Message);
    }

    [Fact]
    public void MissingHyperParameterIsNamed()
    {
        var e = LoadFails(SyntheticGguf.TinyLlama().Unset("llama.block_count"));
        Assert.Contains("llama.block_count", e.Message);
    }

    [Fact]
    public void LinearRopeScalingSetsTheFrequencyScale()
    {
        var g = SyntheticGguf.TinyLlama().Set("llama.rope.scaling.type", "linear").Set("llama.rope.scaling.factor", 4f);
        using var file = GgufFile.FromMemory(g.Build());
        using var model = Model.Load(file);
        Assert.Equal(0.25f, model.Config.RopeFreqScale);
    }

    [Fact]
    public void YarnRopeScalingIsRefusedClearly()
    {
        var e = LoadFails(SyntheticGguf.TinyLlama().Set("llama.rope.scaling.type", "yarn").Set("llama.rope.scaling.factor", 4f));
        Assert.Contains("rope scaling 'yarn'", e.Message);
    }

    [Fact]
    public void RopeFrequencyFactorsAreBoundWhenPresent()
    {
        using var file = GgufFile.FromMemory(SyntheticGguf.TinyLlama().Tensor("rope_freqs.weight", 4).Build());
        using var model = Model.Load(file);
        Assert.Equal(4, model.Weights.RopeFrequencyFactors!.Length);
        var e = LoadFails(SyntheticGguf.TinyLlama().Tensor("rope_freqs.weight", 8));
        Assert.Equal("tensor 'rope_freqs.weight' has shape [8], expected [4]", e.Message);
    }

    [Fact]
    public void Qwen2WithoutBiasesIsRejected()
    {
        var e = LoadFails(RemoveKeyRename(SyntheticGguf.TinyLlama(), "qwen2"));
        Assert.Equal("missing tensor 'blk.0.attn_q.bias'", e.Message);
    }

    private static SyntheticGguf RemoveKeyRename(SyntheticGguf g, string arch)
    {
        g.Set("general.architecture", arch);
        foreach (var (k, v) in new (string, object)[]
        {
            ("context_length", 16u), ("embedding_length", 32u), ("block_count", 2u), ("feed_forward_length", 64u),
            ("attention.head_count", 4u), ("attention.head_count_kv", 2u),
        })
            g.Set($"{arch}.{k}", v);
        return g;
    }

    private static ModelFormatException LoadFails(SyntheticGguf g)
    {
        using var file = GgufFile.FromMemory(g.Build());
        return Assert.Throws<ModelFormatException>(() => Model.Load(file).Dispose());
    }
}
