using System.Buffers.Binary;
using Spindle.Models.HuggingFace;
using static Spindle.Tests.Models.HuggingFace.SafetensorsBytes;

namespace Spindle.Tests.Models.HuggingFace;

/// <summary>The safetensors reader on good files and on every way a hostile file can lie about itself.</summary>
public sealed class SafetensorsFormatTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("spindle-st-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }

    private static readonly Entry[] Small =
    [
        new("a", "F32", [2, 3], Floats(1, 2, 3, 4, 5, 6)),
        new("b", "F16", [4], new byte[8]),
        new("empty", "BF16", [0, 5], []),
    ];

    private string Write(byte[] bytes, string name = "t.safetensors")
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private SafetensorsFormatException Reject(byte[] bytes, params string[] words)
    {
        string path = Write(bytes);
        var e = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Equal(path, e.FilePath);
        foreach (string w in words) Assert.Contains(w, e.Message);
        return e;
    }

    private static string Tensor(string name, string dtype, string shape, string offsets) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":{offsets}}}";

    [Fact]
    public unsafe void Reads_names_types_shapes_and_bytes_in_header_order()
    {
        string path = Write(Build(Small, new Dictionary<string, string> { ["format"] = "pt" }));
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["a", "b", "empty"], file.Tensors.Select(t => t.Name));
        var a = file.FindTensor("a")!;
        Assert.Equal("F32", a.DType);
        Assert.Equal([2L, 3L], a.Shape);
        Assert.Equal(24, a.ByteLength);
        Assert.Equal(Floats(1, 2, 3, 4, 5, 6), new ReadOnlySpan<byte>(file.GetTensorPointer(a), 24).ToArray());
        Assert.Equal(0, file.FindTensor("empty")!.ByteLength);
        Assert.Equal("pt", file.Header.Metadata["format"]);
        Assert.Equal(0, file.Header.DataOffset % 8);
        Assert.Equal(file.Header.DataOffset + 24, file.GetFileOffset(file.FindTensor("b")!));
    }

    [Fact]
    public void Every_truncation_is_rejected()
    {
        byte[] good = Build(Small);
        for (int cut = 0; cut < good.Length; cut++)
        {
            // Cuts inside the data leave offsets past its end; cuts inside the header leave a header longer than the file.
            var e = Reject(good.AsSpan(0, cut).ToArray());
            Assert.Matches("too short|runs past the end|outside the", e.Message);
        }
    }

    [Fact]
    public void Header_larger_than_the_file_is_rejected()
    {
        byte[] bytes = Build(Small);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)bytes.Length);
        Reject(bytes, "runs past the end");
    }

    [Fact]
    public void Header_length_beyond_the_limit_is_rejected_before_anything_is_read()
    {
        var bytes = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);
        Reject(bytes, "exceeds the", "limit");
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, SafetensorsHeaderParser.MaxHeaderByteLength + 1);
        Reject(bytes, "exceeds the");
    }

    [Theory]
    [InlineData("not json at all", "not valid JSON")]
    [InlineData("[1, 2]", "must be a JSON object")]
    [InlineData("{\"a\": 1}", "tensor 'a' must be a JSON object")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1]}}", "needs \"dtype\", \"shape\" and \"data_offsets\"")]
    [InlineData("{} trailing", "not valid JSON")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}", "JSON")]
    [InlineData("{\"__metadata__\": {\"k\": 1}}", "__metadata__.k must be a JSON string")]
    public void Malformed_json_is_rejected(string header, string expected) =>
        Reject(WithHeader(header, new byte[4]), expected);

    [Fact]
    public void Offsets_outside_the_data_are_rejected()
    {
        Reject(WithHeader("{" + Tensor("a", "F32", "[2]", "[0, 8]") + "}", new byte[4]), "tensor 'a'", "outside the 4-byte data section");
        Reject(WithHeader("{" + Tensor("a", "F32", "[1]", "[4, 0]") + "}", new byte[4]), "outside");
        Reject(WithHeader("{" + Tensor("a", "F32", "[1]", "[-4, 0]") + "}", new byte[4]), "non-negative integers");
        Reject(WithHeader("{" + Tensor("a", "F32", "[1]", "[0, 4, 8]") + "}", new byte[8]), "more than 2");
        Reject(WithHeader("{" + Tensor("a", "F32", "[1]", "[0, 18446744073709551615]") + "}", new byte[8]), "non-negative integers");
    }

    [Fact]
    public void Shape_that_does_not_match_the_bytes_is_rejected()
    {
        Reject(WithHeader("{" + Tensor("a", "F32", "[3]", "[0, 8]") + "}", new byte[8]), "needs 12 bytes but data_offsets give 8");
        Reject(WithHeader("{" + Tensor("a", "F16", "[4294967296, 4294967296]", "[0, 8]") + "}", new byte[8]), "too large");
        Reject(WithHeader("{" + Tensor("a", "F32", "[1.5]", "[0, 4]") + "}", new byte[4]), "non-negative integers");
        Reject(WithHeader("{" + Tensor("a", "F32", "[1,1,1,1,1,1,1,1,1]", "[0, 4]") + "}", new byte[4]), "more than 8");
    }

    [Fact]
    public void Unknown_dtype_is_rejected()
    {
        var e = Reject(WithHeader("{" + Tensor("a", "F7", "[1]", "[0, 1]") + "}", new byte[1]), "unknown dtype 'F7'");
        Assert.Contains("tensor 'a'", e.Message);
    }

    [Fact]
    public void Overlapping_and_repeated_tensors_are_rejected()
    {
        Reject(WithHeader("{" + Tensor("a", "F32", "[2]", "[0, 8]") + "," + Tensor("b", "F32", "[2]", "[4, 12]") + "}", new byte[12]), "overlap");
        Reject(WithHeader("{" + Tensor("a", "F32", "[1]", "[0, 4]") + "," + Tensor("a", "F32", "[1]", "[4, 8]") + "}", new byte[8]), "appears twice");
    }

    [Fact]
    public void Unknown_fields_are_tolerated()
    {
        string path = Write(WithHeader("{\"a\":{\"dtype\":\"F32\",\"extra\":{\"x\":[1,2]},\"shape\":[1],\"data_offsets\":[0,4]}}  ", new byte[4]));
        using var file = SafetensorsFile.Open(path);
        Assert.Single(file.Tensors);
    }

    [Fact]
    public void Random_mutations_give_a_typed_error_or_a_valid_file()
    {
        byte[] good = Build(Small, new Dictionary<string, string> { ["format"] = "pt" });
        var rng = new Random(656);
        int rejected = 0;
        for (int i = 0; i < 1500; i++)
        {
            byte[] bytes = (byte[])good.Clone();
            int edits = rng.Next(1, 4);
            for (int k = 0; k < edits; k++)
            {
                // Mostly the header, where the structure is; sometimes the length prefix.
                int at = rng.Next(10) == 0 ? rng.Next(8) : rng.Next(8, Math.Min(bytes.Length, 8 + 200));
                bytes[at] = rng.Next(3) switch { 0 => (byte)rng.Next(256), 1 => (byte)"{}[],:\"0123456789"[rng.Next(17)], _ => (byte)(bytes[at] ^ 1) };
            }
            string path = Write(bytes, $"m{i % 4}.safetensors");
            try
            {
                using var file = SafetensorsFile.Open(path);
                foreach (var t in file.Tensors) Assert.InRange(file.GetFileOffset(t) + t.ByteLength, 0, file.Length);
            }
            catch (SafetensorsFormatException)
            {
                rejected++;
            }
        }
        Assert.True(rejected > 500, $"only {rejected} of 1500 mutations were rejected");
    }
}
