using Spindle.Gguf;
using Spindle.Models.Quantization;

namespace Spindle.Tests.Models;

/// <summary>The plan picks, tensor by tensor, the types llama.cpp's quantizer picked for the shared files.</summary>
public class QuantizationPlanTests
{
    [Theory]
    [InlineData("llama", "q8_0")]
    [InlineData("llama", "q4_0")]
    [InlineData("llama", "q4_1")]
    [InlineData("llama", "q5_0")]
    [InlineData("llama", "q5_1")]
    [InlineData("llama", "q2_k")]
    [InlineData("llama", "q3_k_m")]
    [InlineData("llama", "q4_k_m")]
    [InlineData("llama", "q5_k_m")]
    [InlineData("llama", "q6_k")]
    [InlineData("llama", "iq4_nl")]
    [InlineData("llama", "iq4_xs")]
    [InlineData("llama-tied", "q4_k_m")]
    [InlineData("llama-tied", "q8_0")]
    [InlineData("qwen2", "q4_k_m")]
    [InlineData("phi3", "q4_k_m")]
    [InlineData("gemma", "q4_k_m")]
    public void Matches_llama_cpp_type_choices(string model, string type)
    {
        using var source = GgufFile.Open(SharedData.PathOf("conformance", $"{model}.f32.gguf"));
        using var quantized = GgufFile.Open(SharedData.PathOf("conformance", $"{model}.{type}.gguf"));
        var md = source.Metadata;
        int layers = md.GetRequiredInt32(md.ArchKey("block_count"));
        int heads = md.GetRequiredInt32(md.ArchKey("attention.head_count"));
        int kvHeads = md.GetRequiredInt32(md.ArchKey("attention.head_count_kv"));
        var names = QuantizationPlan.OrderLikeLlamaCpp(source.Tensors.Select(t => t.Name));
        var plan = new QuantizationPlan(LlamaFileTypes.Parse(type), source.Architecture!, layers, heads / kvHeads, names);
        var mismatches = new List<string>();
        foreach (string name in names)
        {
            var tensor = source.GetTensor(name);
            var expected = quantized.GetTensor(name).Type;
            var actual = QuantizationPlan.IsQuantizable(name, tensor.Dimensions.Length)
                ? plan.TypeFor(name, tensor.RowLength)
                : tensor.Type;
            if (actual != expected) mismatches.Add($"{name}: planned {actual}, llama.cpp wrote {expected}");
        }
        Assert.Empty(mismatches);
    }
}
