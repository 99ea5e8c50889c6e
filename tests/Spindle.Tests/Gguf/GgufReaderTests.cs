using Spindle.Gguf;
using Spindle.Tensors.Blocks;
namespace Spindle.Tests.Gguf;

public class GgufReaderTests
{
    [Theory]
    [MemberData(nameof(SharedData.AllGgufFilesData), MemberType = typeof(SharedData))]
    public void Opens_every_shared_file(string relativePath)
    {
        using var file = GgufFile.Open(SharedData.PathOf(relativePath));
        Assert.InRange(file.Version, 2u, 3u);
        Assert.NotNull(file.Architecture);
        foreach (var t in file.Tensors)
        {
            Assert.True(GgmlTypeInfo.IsKnown(t.Type));
            Assert.Equal(t.ByteLength, file.GetTensorData(t).Length);
        }
    }

    [Fact]
    public void Released_tensor_pages_read_back_unchanged()
    {
        // Releasing drops pages from the resident set only; a later read brings the same bytes back from the file.
        string path = SharedData.PathOf("models", "tinystories-656K", "tinystories-656K.q8_0.gguf");
        using var file = GgufFile.Open(path);
        byte[] disk = File.ReadAllBytes(path);
        foreach (var t in file.Tensors)
        {
            var before = file.GetTensorData(t).ToArray();
            file.ReleaseTensorPages(t);
            Assert.Equal(before, file.GetTensorData(t).ToArray());
            Assert.Equal(disk.AsSpan((int)(file.Header.DataOffset + t.Offset), (int)t.ByteLength).ToArray(), before);
        }
        using var inMemory = GgufFile.FromMemory(disk);
        foreach (var t in inMemory.Tensors)
        {
            var before = inMemory.GetTensorData(t).ToArray();
            inMemory.ReleaseTensorPages(t); // an image in memory is left alone: its pages would come back as zeros
            Assert.Equal(before, inMemory.GetTensorData(t).ToArray());
        }
    }

    [Fact]
    public void Reads_stories260K_hyperparameters()
    {
        using var file = GgufFile.Open(SharedData.PathOf("models", "stories260K", "stories260K.f32.gguf"));
        var md = file.Metadata;
        Assert.Equal("llama", file.Architecture);
        Assert.Equal(64, md.GetRequiredInt32(md.ArchKey(GgufKeys.EmbeddingLength)));
        Assert.Equal(5, md.GetRequiredInt32(md.ArchKey(GgufKeys.BlockCount)));
        Assert.Equal(8, md.GetRequiredInt32(md.ArchKey(GgufKeys.HeadCount)));
        Assert.Equal(4, md.GetRequiredInt32(md.ArchKey(GgufKeys.HeadCountKv)));
        Assert.Equal(512, md.GetArrayOrNull(GgufKeys.Tokens)!.Count);
        var embd = file.GetTensor("token_embd.weight");
        Assert.Equal(GgmlType.F32, embd.Type);
        Assert.Equal(new long[] { 64, 512 }, embd.Dimensions);
    }

    [Fact]
    public void Rejects_wrong_magic_with_offset()
    {
        var ex = Assert.Throws<GgufFormatException>(() => GgufFile.FromMemory("GGMLxxxxxxxxxxxxxxxxxxxxxxxx"u8.ToArray()));
        Assert.Equal(0, ex.ByteOffset);
        Assert.Contains("magic", ex.Message);
    }
}
