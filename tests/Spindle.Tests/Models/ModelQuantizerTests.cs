using Spindle.Gguf;
using Spindle.Models.Quantization;
using Spindle.Tensors.Blocks;
using Spindle.Tensors.Kernels;
namespace Spindle.Tests.Models;

/// <summary>`spindle quantize` writes the files llama-quantize wrote for the shared conformance models, byte for byte.</summary>
public sealed class ModelQuantizerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("spindle-quantize-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

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
    [InlineData("llama-tied", "q8_0")]
    [InlineData("llama-tied", "q4_k_m")]
    [InlineData("qwen2", "q8_0")]
    [InlineData("qwen2", "q4_k_m")]
    [InlineData("phi3", "q8_0")]
    [InlineData("phi3", "q4_k_m")]
    [InlineData("gemma", "q8_0")]
    [InlineData("gemma", "q4_k_m")]
    public void Equals_llama_quantize_output(string model, string type)
    {
        string output = Path.Combine(_directory, $"{model}.{type}.gguf");
        ModelQuantizer.Quantize(SharedData.PathOf("conformance", $"{model}.f32.gguf"), output, LlamaFileTypes.Parse(type), threads: 2);

        using var expected = GgufFile.Open(SharedData.PathOf("conformance", $"{model}.{type}.gguf"));
        using var actual = GgufFile.Open(output);
        Assert.Empty(GgufComparison.TensorDifferences(expected, actual));
        Assert.Empty(GgufComparison.MetadataDifferences(expected.Metadata, actual.Metadata));
        Assert.Equal(expected.Length, actual.Length);
    }

    [Theory]
    [InlineData("f16")]
    [InlineData("bf16")]
    public void Converts_f32_to_16_bit_files_like_llama_cpp(string type)
    {
        // llama.cpp's f16/bf16 files were converted from the same weights; their 2-D tensors must equal ours.
        string output = Path.Combine(_directory, $"llama.{type}.gguf");
        ModelQuantizer.Quantize(SharedData.PathOf("conformance", "llama.f32.gguf"), output, LlamaFileTypes.Parse(type), threads: 1);
        using var expected = GgufFile.Open(SharedData.PathOf("conformance", $"llama.{type}.gguf"));
        using var actual = GgufFile.Open(output);
        foreach (var t in actual.Tensors)
        {
            var e = expected.GetTensor(t.Name);
            Assert.Equal(e.Type, t.Type);
            Assert.True(expected.GetTensorData(e).SequenceEqual(actual.GetTensorData(t)), $"{t.Name} differs");
        }
    }

    [Fact]
    public void Reads_f16_input()
    {
        // F16 → Q8_0 goes through exact widening, so it equals quantizing the F16 values.
        string output = Path.Combine(_directory, "from-f16.gguf");
        string input = SharedData.PathOf("conformance", "llama.f16.gguf");
        ModelQuantizer.Quantize(input, output, LlamaFileType.MostlyQ8_0, threads: 2);
        using var source = GgufFile.Open(input);
        using var actual = GgufFile.Open(output);
        var info = source.GetTensor("blk.0.ffn_up.weight");
        var floats = new float[info.ElementCount];
        WeightKernels.For(info.Type).DequantizeRow(source.GetTensorData(info), floats);
        var expected = new byte[GgmlTypeInfo.ByteLength(GgmlType.Q8_0, floats.Length)];
        RowQuantizer.QuantizeRow(GgmlType.Q8_0, floats, expected);
        var written = actual.GetTensor("blk.0.ffn_up.weight");
        Assert.Equal(GgmlType.Q8_0, written.Type);
        Assert.True(actual.GetTensorData(written).SequenceEqual(expected));
    }

    [Fact]
    public void Same_type_input_is_copied()
    {
        string input = SharedData.PathOf("conformance", "llama.q8_0.gguf");
        string output = Path.Combine(_directory, "copy.gguf");
        ModelQuantizer.Quantize(input, output, LlamaFileType.MostlyQ8_0);
        using var expected = GgufFile.Open(input);
        using var actual = GgufFile.Open(output);
        Assert.Empty(GgufComparison.TensorDifferences(expected, actual));
    }

    [Fact]
    public void Refuses_to_requantize()
    {
        string output = Path.Combine(_directory, "requantized.gguf");
        var ex = Assert.Throws<NotSupportedException>(() =>
            ModelQuantizer.Quantize(SharedData.PathOf("conformance", "llama.q8_0.gguf"), output, LlamaFileType.MostlyQ4_0));
        Assert.Contains("requantizing", ex.Message);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Output_in_a_missing_directory_is_an_error()
    {
        string output = Path.Combine(_directory, "no-such-dir", "x.gguf");
        var ex = Assert.Throws<DirectoryNotFoundException>(() =>
            ModelQuantizer.Quantize(SharedData.PathOf("conformance", "llama.f32.gguf"), output, LlamaFileType.MostlyQ8_0));
        Assert.Contains("no-such-dir", ex.Message);
    }

    [Fact]
    public void Missing_input_is_an_error()
    {
        string output = Path.Combine(_directory, "x.gguf");
        Assert.Throws<FileNotFoundException>(() =>
            ModelQuantizer.Quantize(Path.Combine(_directory, "missing.gguf"), output, LlamaFileType.MostlyQ8_0));
        Assert.False(File.Exists(output));
    }
}
