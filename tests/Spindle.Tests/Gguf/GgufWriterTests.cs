using System.Text;
using Spindle.Gguf;
using Spindle.Tensors.Blocks;
namespace Spindle.Tests.Gguf;

public class GgufWriterTests
{
    [Theory]
    [MemberData(nameof(SharedData.AllGgufFilesData), MemberType = typeof(SharedData))]
    public void Copy_of_every_shared_file_is_byte_identical(string relativePath)
    {
        string path = SharedData.PathOf(relativePath);
        byte[] original = File.ReadAllBytes(path);
        using var file = GgufFile.Open(path);
        using var output = new MemoryStream(original.Length);
        GgufCopy.Write(file, output);
        byte[] copy = output.ToArray();
        Assert.Equal(original.Length, copy.Length);
        int firstDifference = original.AsSpan().CommonPrefixLength(copy);
        Assert.True(firstDifference == original.Length, $"first differing byte at {firstDifference}");
    }

    [Fact]
    public void Copy_still_byte_identical_after_every_array_was_decoded()
    {
        // Decoding hands out mutable arrays, so the writer re-encodes them instead of reusing the file's bytes.
        string path = SharedData.PathOf("vocab", "ggml-vocab-llama-spm.gguf");
        byte[] original = File.ReadAllBytes(path);
        using var file = GgufFile.Open(path);
        foreach (string key in file.Metadata.Keys) _ = file.Metadata[key].Value is GgufArray a ? a.Items : null;
        using var output = new MemoryStream();
        GgufCopy.Write(file, output);
        Assert.True(original.AsSpan().SequenceEqual(output.ToArray()));
    }

    [Fact]
    public void Strings_that_are_not_valid_UTF8_survive_a_copy()
    {
        // No shared file has such strings (checked: every string in every shared file decodes strictly), but a
        // vocabulary may hold raw byte pieces; the reader keeps the stored bytes so a copy does not turn them into U+FFFD.
        byte[] original = new GgufBytes().Raw("GGUF"u8).U32(3).U64(0).U64(2)
            .Str("bad.str").U32(8).U64(3).Raw([0xFF, 0xC3, 0x28])
            .Str("bad.arr").U32(9).U32(8).U64(2).U64(1).Raw([0x80]).Str("ok")
            .ToArray();
        using var file = GgufFile.FromMemory(original);
        Assert.Equal("\uFFFD\uFFFD(", file.Metadata.GetStringOrNull("bad.str"));
        using var output = new MemoryStream();
        GgufCopy.Write(file, output);
        Assert.Equal(original, output.ToArray());
        Assert.Equal(["\uFFFD", "ok"], file.Metadata.GetArrayOrNull("bad.arr")!.As<string>());
    }

    [Fact]
    public void Copy_to_file_with_changed_metadata_and_tensors()
    {
        using var source = GgufFile.Open(SharedData.PathOf("models", "stories260K", "stories260K.f32.gguf"));
        var metadata = source.Metadata.Clone();
        metadata.Set(GgufKeys.Name, GgufValue.String("renamed"));
        metadata.Remove(GgufKeys.ChatTemplate);
        var tensors = GgufCopy.TensorsOf(source);
        tensors.RemoveAt(tensors.Count - 1);
        float[] extra = [1f, 2f, 3f, 4f];
        tensors.Add(GgufTensorSource.FromBytes("extra.weight", GgmlType.F32, [4], System.Runtime.InteropServices.MemoryMarshal.AsBytes(extra.AsSpan()).ToArray()));

        string temp = Path.Combine(Path.GetTempPath(), $"spindle-copy-{Guid.NewGuid():N}.gguf");
        try
        {
            GgufCopy.Write(source, temp, metadata, tensors);
            using var copy = GgufFile.Open(temp);
            Assert.Equal("renamed", copy.Metadata.GetStringOrNull(GgufKeys.Name));
            Assert.Equal(source.Metadata.Keys.Where(k => k != GgufKeys.ChatTemplate), copy.Metadata.Keys);
            Assert.Equal(source.Tensors.Count, copy.Tensors.Count);
            for (int i = 0; i < source.Tensors.Count - 1; i++)
            {
                Assert.Equal(source.Tensors[i].Name, copy.Tensors[i].Name);
                Assert.True(source.GetTensorData(source.Tensors[i]).SequenceEqual(copy.GetTensorData(copy.Tensors[i])));
            }
            var added = copy.GetTensor("extra.weight");
            Assert.Equal(extra, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(copy.GetTensorData(added)).ToArray());
        }
        finally
        {
            File.Delete(temp);
        }
    }

    [Fact]
    public void File_built_from_scratch_reads_back_identically()
    {
        var md = new GgufMetadata();
        md.Set(GgufKeys.Architecture, GgufValue.String("test"));
        md.Set("t.u8", GgufValue.UInt8(250));
        md.Set("t.i8", GgufValue.Int8(-7));
        md.Set("t.u16", GgufValue.UInt16(65000));
        md.Set("t.i16", GgufValue.Int16(-32000));
        md.Set("t.u32", GgufValue.UInt32(4_000_000_000));
        md.Set("t.i32", GgufValue.Int32(-2_000_000_000));
        md.Set("t.f32", GgufValue.Float32(3.25f));
        md.Set("t.bool", GgufValue.Bool(true));
        md.Set("t.str", GgufValue.String("héllo ✓ 🧵"));
        md.Set("t.empty", GgufValue.String(""));
        md.Set("t.u64", GgufValue.UInt64(ulong.MaxValue));
        md.Set("t.i64", GgufValue.Int64(long.MinValue));
        md.Set("t.f64", GgufValue.Float64(Math.PI));
        md.Set("t.a.u8", GgufValue.Array(new byte[] { 1, 2, 3 }));
        md.Set("t.a.i8", GgufValue.Array(new sbyte[] { -1, 0, 1 }));
        md.Set("t.a.u16", GgufValue.Array(new ushort[] { 1, 65535 }));
        md.Set("t.a.i16", GgufValue.Array(new short[] { -2, 2 }));
        md.Set("t.a.u32", GgufValue.Array(new uint[] { 7, uint.MaxValue }));
        md.Set("t.a.i32", GgufValue.Array(new int[] { int.MinValue, 5 }));
        md.Set("t.a.f32", GgufValue.Array(new float[] { float.NaN, -0f, 1e-30f }));
        md.Set("t.a.bool", GgufValue.Array(new bool[] { true, false, true }));
        md.Set("t.a.str", GgufValue.Array(new string[] { "a", "", "▁the", "\0x" }));
        md.Set("t.a.u64", GgufValue.Array(new ulong[] { 0, ulong.MaxValue }));
        md.Set("t.a.i64", GgufValue.Array(new long[] { long.MinValue }));
        md.Set("t.a.f64", GgufValue.Array(new double[] { double.Epsilon, double.NegativeInfinity }));
        md.Set("t.a.empty", GgufValue.Array(new int[0]));
        md.Set("t.a.nested", GgufValue.Array(new GgufArray[]
        {
            new(GgufValueType.String, new[] { "x", "yz" }),
            new(GgufValueType.Array, new GgufArray[] { new(GgufValueType.Int16, new short[] { 9 }), new(GgufValueType.Bool, new[] { true }) }),
            new(GgufValueType.Float64, new double[0]),
        }));
        md.Set(GgufKeys.Alignment, GgufValue.UInt32(64));

        byte[] a = new byte[10 * 4];
        byte[] b = new byte[34 * 2]; // two Q8_0 blocks
        byte[] c = new byte[3 * 2];
        new Random(1).NextBytes(a);
        new Random(2).NextBytes(b);
        new Random(3).NextBytes(c);

        using var stream = new MemoryStream();
        using (var writer = new GgufWriter(stream, leaveOpen: true))
        {
            var infos = writer.WriteHeader(md,
            [
                new GgufTensorDescriptor("a", GgmlType.F32, [10]),
                new GgufTensorDescriptor("empty", GgmlType.F32, [0, 3]),
                new GgufTensorDescriptor("b", GgmlType.Q8_0, [32, 2, 1, 1]),
                new GgufTensorDescriptor("c", GgmlType.F16, [3]),
            ]);
            Assert.Equal(new long[] { 0, 64, 64, 192 }, infos.Select(t => t.Offset));
            Assert.Equal(0, writer.DataOffset % 64);
            writer.WriteTensorData(a);
            writer.WriteTensorData(b.AsSpan(0, 10)); // chunks
            writer.WriteTensorData(b.AsSpan(10));
            Assert.Throws<ArgumentException>(() => writer.WriteTensorData(new byte[7]));
            writer.WriteTensorData(c);
            writer.Complete();
        }

        byte[] bytes = stream.ToArray();
        Assert.Equal(0, bytes.Length % 64);
        using var file = GgufFile.FromMemory(bytes);
        Assert.Equal(3u, file.Version);
        Assert.Equal(64, file.Header.Alignment);
        Assert.Equal(md.Keys, file.Metadata.Keys);
        foreach (string key in md.Keys)
        {
            Assert.Equal(md[key].Type, file.Metadata[key].Type);
            AssertSameValue(md[key].Value, file.Metadata[key].Value);
        }
        Assert.Equal(a, file.GetTensorData(file.GetTensor("a")).ToArray());
        Assert.Equal(b, file.GetTensorData(file.GetTensor("b")).ToArray());
        Assert.Equal(c, file.GetTensorData(file.GetTensor("c")).ToArray());
        Assert.Equal(new long[] { 0, 3 }, file.GetTensor("empty").Dimensions);
        Assert.Equal(new long[] { 32, 2, 1, 1 }, file.GetTensor("b").Dimensions);
    }

    private static void AssertSameValue(object expected, object actual)
    {
        if (expected is GgufArray e)
        {
            var a = Assert.IsType<GgufArray>(actual);
            Assert.Equal(e.ElementType, a.ElementType);
            Assert.Equal(e.Count, a.Count);
            Assert.Equal(e.Items.GetType(), a.Items.GetType());
            for (int i = 0; i < e.Count; i++) AssertSameValue(e.Items.GetValue(i)!, a.Items.GetValue(i)!);
        }
        else if (expected is float f) Assert.Equal(BitConverter.SingleToInt32Bits(f), BitConverter.SingleToInt32Bits((float)actual));
        else if (expected is double d) Assert.Equal(BitConverter.DoubleToInt64Bits(d), BitConverter.DoubleToInt64Bits((double)actual));
        else Assert.Equal(expected, actual);
    }

    [Fact]
    public void Vocabulary_only_file_has_no_padding()
    {
        var md = new GgufMetadata();
        md.Set(GgufKeys.Architecture, GgufValue.String("x"));
        using var stream = new MemoryStream();
        using (var writer = new GgufWriter(stream, leaveOpen: true))
        {
            writer.WriteHeader(md, []);
            writer.Complete();
        }
        // magic 4 + version 4 + counts 16 + key (8 + 20) + type 4 + value (8 + 1)
        Assert.Equal(65, stream.Length);
    }

    [Fact]
    public void Writer_refuses_what_the_reader_would_refuse()
    {
        var md = new GgufMetadata();
        md.Set("bad", new GgufValue(GgufValueType.UInt32, "not a number"));
        using var w1 = new GgufWriter(new MemoryStream());
        Assert.Contains("'bad'", Assert.Throws<ArgumentException>(() => w1.WriteHeader(md, [])).Message);

        var md2 = new GgufMetadata();
        md2.Set(GgufKeys.Alignment, GgufValue.UInt32(48));
        using var w2 = new GgufWriter(new MemoryStream());
        Assert.Throws<ArgumentException>(() => w2.WriteHeader(md2, []));

        Assert.Throws<ArgumentException>(() => new GgufTensorDescriptor(new string('x', 64), GgmlType.F32, [1]));
        Assert.Throws<ArgumentException>(() => new GgufTensorDescriptor("q", GgmlType.Q4_0, [31]));
        Assert.Throws<ArgumentException>(() => new GgufTensorDescriptor("five", GgmlType.F32, [1, 1, 1, 1, 1]));

        using var w3 = new GgufWriter(new MemoryStream());
        w3.WriteHeader(new GgufMetadata(), [new GgufTensorDescriptor("t", GgmlType.F32, [2]), new GgufTensorDescriptor("u", GgmlType.F32, [2])]);
        w3.WriteTensorData(new byte[8]);
        Assert.Contains("'u'", Assert.Throws<InvalidOperationException>(() => w3.Complete()).Message);
        using var w4 = new GgufWriter(new MemoryStream());
        Assert.Contains("duplicate", Assert.Throws<ArgumentException>(() => w4.WriteHeader(new GgufMetadata(), [new GgufTensorDescriptor("t", GgmlType.F32, [2]), new GgufTensorDescriptor("t", GgmlType.F32, [2])])).Message);
    }
}
