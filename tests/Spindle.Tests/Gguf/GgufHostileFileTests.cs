using System.Text.RegularExpressions;
using Spindle.Gguf;

namespace Spindle.Tests.Gguf;

/// <summary>Malformed files each give a <see cref="GgufFormatException"/> that names the byte offset and the problem.</summary>
public class GgufHostileFileTests
{
    private const int HeaderEnd = 24; // magic 4 + version 4 + tensor count 8 + kv count 8

    private static GgufFormatException Reject(byte[] bytes, long expectedOffset, params string[] expectedWords)
    {
        var ex = Assert.Throws<GgufFormatException>(() => GgufFile.FromMemory(bytes).Dispose());
        Assert.StartsWith($"GGUF error at byte {expectedOffset}: ", ex.Message);
        Assert.Equal(expectedOffset, ex.ByteOffset);
        foreach (string word in expectedWords) Assert.Contains(word, ex.Message);
        return ex;
    }

    private static GgufFormatException RejectAnywhere(byte[] bytes)
    {
        var ex = Assert.Throws<GgufFormatException>(() => GgufFile.FromMemory(bytes).Dispose());
        Assert.Matches(new Regex(@"^GGUF error at byte \d+: \S"), ex.Message);
        Assert.InRange(ex.ByteOffset, 0, long.MaxValue);
        return ex;
    }

    [Theory]
    [InlineData("models/stories260K/stories260K.q8_0.gguf")]
    [InlineData("conformance/gemma.q4_k_m.gguf")]
    public void Truncation_anywhere_in_the_header_is_rejected(string relativePath)
    {
        byte[] original = File.ReadAllBytes(SharedData.PathOf(relativePath.Split('/')));
        long dataOffset;
        using (var file = GgufFile.FromMemory(original)) dataOffset = file.Header.DataOffset;
        for (int cut = 0; cut < dataOffset; cut++)
        {
            var ex = RejectAnywhere(original.AsSpan(0, cut).ToArray());
            Assert.Matches("truncated|too short|past the end|cannot fit|runs past", ex.Message);
        }
    }

    [Fact]
    public void Truncation_at_random_places_in_the_data_is_rejected()
    {
        byte[] original = File.ReadAllBytes(SharedData.PathOf("models", "stories260K", "stories260K.f32.gguf"));
        long dataOffset;
        using (var file = GgufFile.FromMemory(original)) dataOffset = file.Header.DataOffset;
        var rng = new Random(260);
        for (int i = 0; i < 200; i++)
        {
            int cut = rng.Next((int)dataOffset, original.Length);
            var ex = RejectAnywhere(original.AsSpan(0, cut).ToArray());
            Assert.Contains("runs past the end", ex.Message);
        }
    }

    [Fact]
    public void Truncated_vocabulary_is_rejected()
    {
        byte[] original = File.ReadAllBytes(SharedData.PathOf("vocab", "ggml-vocab-bert-bge.gguf"));
        var rng = new Random(7);
        for (int i = 0; i < 100; i++) RejectAnywhere(original.AsSpan(0, rng.Next(original.Length)).ToArray());
    }

    [Fact]
    public void Wrong_magic() => Reject(GgufBytes.Header(3, 0, 0).ToArray().Select((b, i) => i == 3 ? (byte)'X' : b).ToArray(), 0, "bad magic", "not a GGUF file");

    [Theory]
    [InlineData(1u, "version 1 is not supported")]
    [InlineData(4u, "unsupported GGUF version 4")]
    [InlineData(0u, "unsupported GGUF version 0")]
    [InlineData(0x03000000u, "unsupported GGUF version 50331648")] // a big-endian v3 file
    public void Unsupported_versions(uint version, string expected) => Reject(GgufBytes.Header(version, 0, 0).Zeros(8).ToArray(), 4, expected);

    [Fact]
    public void Absurd_tensor_count() => Reject(GgufBytes.Header(3, ulong.MaxValue, 0).Zeros(64).ToArray(), 8, "tensor count 18446744073709551615", "cannot fit");

    [Fact]
    public void Absurd_kv_count() => Reject(GgufBytes.Header(3, 0, 1UL << 40).Zeros(64).ToArray(), 16, "metadata count 1099511627776", "cannot fit");

    [Fact]
    public void Absurd_key_length() => Reject(GgufBytes.Header(3, 0, 1).U64(ulong.MaxValue).Zeros(16).ToArray(), HeaderEnd, "metadata key length", "exceeds");

    [Fact]
    public void Absurd_string_value_length()
    {
        var b = GgufBytes.Header(3, 0, 1).Str("k").U32(8);
        int at = b.Length;
        Reject(b.U64(1UL << 62).Zeros(16).ToArray(), at, "string length 4611686018427387904", "runs past the end");
    }

    [Fact]
    public void Absurd_array_count()
    {
        var b = GgufBytes.Header(3, 0, 1).Str("k").U32(9).U32(4);
        int at = b.Length;
        Reject(b.U64(ulong.MaxValue / 2).Zeros(16).ToArray(), at, "metadata key 'k'", "array of 9223372036854775807 UInt32 values cannot fit");
    }

    [Fact]
    public void Absurd_string_array_element_length()
    {
        var b = GgufBytes.Header(3, 0, 1).Str("tokens").U32(9).U32(8).U64(2).Str("ok");
        int at = b.Length;
        Reject(b.U64(ulong.MaxValue).Zeros(16).ToArray(), at, "string length 18446744073709551615", "runs past the end");
    }

    [Fact]
    public void Unknown_value_type()
    {
        var b = GgufBytes.Header(3, 0, 1).Str("k");
        int at = b.Length;
        Reject(b.U32(13).Zeros(16).ToArray(), at, "metadata key 'k' has unknown value type 13");
    }

    [Fact]
    public void Unknown_array_element_type()
    {
        var b = GgufBytes.Header(3, 0, 1).Str("k").U32(9);
        int at = b.Length;
        Reject(b.U32(0xFFFF).U64(1).Zeros(16).ToArray(), at, "array of unknown type 65535");
    }

    [Fact]
    public void Arrays_nested_1000_deep()
    {
        var b = GgufBytes.Header(3, 0, 1).Str("deep").U32(9);
        int firstArrayAt = b.Length;
        for (int i = 0; i < 1000; i++) b.U32(9).U64(1);
        b.U32(4).U64(0);
        // Nesting is refused at the ninth level: 8 array headers of 12 bytes each lie before it.
        Reject(b.ToArray(), firstArrayAt + 8 * 12, "metadata key 'deep' nests arrays deeper than 8 levels");
    }

    [Fact]
    public void Bool_that_is_neither_0_nor_1()
    {
        var b = GgufBytes.Header(3, 0, 1).Str("flag").U32(7);
        int at = b.Length;
        Reject(b.U8(2).ToArray(), at, "bool value 2");
    }

    [Fact]
    public void Duplicate_key()
    {
        var b = GgufBytes.Header(3, 0, 2).KvU32("a.b", 1);
        int at = b.Length;
        Reject(b.KvU32("a.b", 2).ToArray(), at, "duplicate metadata key 'a.b'");
    }

    [Fact]
    public void Empty_key() => Reject(GgufBytes.Header(3, 0, 1).KvU32("", 1).ToArray(), HeaderEnd, "empty key");

    [Fact]
    public void Alignment_that_is_not_a_power_of_two()
    {
        var b = GgufBytes.Header(3, 0, 1).Str("general.alignment").U32(4);
        int at = b.Length;
        Reject(b.U32(48).ToArray(), at, "general.alignment must be a u32 power of two", "48");
    }

    private static GgufBytes OneTensorFile(out int tensorAt) => Start(1, out tensorAt);

    private static GgufBytes Start(ulong tensorCount, out int tensorAt)
    {
        var b = GgufBytes.Header(3, tensorCount, 1).Str("general.architecture").U32(8).Str("x");
        tensorAt = b.Length;
        return b;
    }

    [Fact]
    public void More_than_four_dimensions()
    {
        var b = OneTensorFile(out int at);
        b.Tensor("t", [1, 1, 1, 1, 1], 0, 0).PadTo(32).Zeros(32);
        Reject(b.ToArray(), at + 8 + 1, "tensor 't' has 5 dimensions (at most 4)");
    }

    [Fact]
    public void Dimensions_whose_product_overflows()
    {
        var b = OneTensorFile(out int at);
        b.Tensor("t", [1UL << 32, 1UL << 32], 0, 0).PadTo(32).Zeros(32);
        Reject(b.ToArray(), at + 8 + 1 + 4 + 8, "tensor 't' shape overflows");
    }

    [Fact]
    public void Dimension_over_int64()
    {
        var b = OneTensorFile(out int at);
        b.Tensor("t", [ulong.MaxValue], 0, 0).PadTo(32).Zeros(32);
        Reject(b.ToArray(), at + 8 + 1 + 4, "dimension 0 = 18446744073709551615 is out of range");
    }

    [Fact]
    public void Byte_size_that_overflows()
    {
        // 2^62 F32 elements fit in a long as a count but not as 4-byte elements.
        var b = OneTensorFile(out int at);
        b.Tensor("t", [1UL << 31, 1UL << 31], 0, 0).PadTo(32).Zeros(32);
        Reject(b.ToArray(), at + 8 + 1, "tensor 't'", "no valid byte size");
    }

    [Fact]
    public void Unknown_tensor_type()
    {
        var b = OneTensorFile(out int at);
        b.Tensor("t", [4], 4, 0).PadTo(32).Zeros(32); // 4 was Q4_2, removed from ggml
        Reject(b.ToArray(), at + 8 + 1 + 4 + 8, "tensor 't' has unknown tensor type 4");
    }

    [Fact]
    public void Row_not_a_whole_number_of_blocks()
    {
        var b = OneTensorFile(out int at);
        b.Tensor("q", [33], 8, 0).PadTo(32).Zeros(64); // Q8_0 blocks hold 32
        Reject(b.ToArray(), at + 8 + 1, "row length 33 is not a multiple of the q8_0 block size 32");
    }

    [Fact]
    public void Misaligned_offset()
    {
        var b = OneTensorFile(out int at);
        b.Tensor("t", [4], 0, 4).PadTo(32).Zeros(64);
        Reject(b.ToArray(), at + 8 + 1 + 4 + 8 + 4, "tensor 't' data offset 4 is not a multiple of the alignment 32");
    }

    [Fact]
    public void Offset_past_the_end()
    {
        var b = OneTensorFile(out _);
        b.Tensor("t", [4], 0, 1024).PadTo(32);
        int dataOffset = b.Length;
        Reject(b.Zeros(32).ToArray(), dataOffset + 1024, "tensor 't' data [1024, 1040) runs past the end of the 32-byte data section");
    }

    [Fact]
    public void Offset_near_uint64_max()
    {
        var b = OneTensorFile(out int at);
        b.Tensor("t", [4], 0, ulong.MaxValue - 31).PadTo(32).Zeros(32);
        Reject(b.ToArray(), at + 8 + 1 + 4 + 8 + 4, "out of range");
    }

    [Fact]
    public void Overlapping_tensors()
    {
        var b = Start(2, out _);
        b.Tensor("a", [16], 0, 0).Tensor("b", [16], 0, 32).PadTo(32);
        int dataOffset = b.Length;
        Reject(b.Zeros(96).ToArray(), dataOffset + 32, "tensor 'b' overlaps tensor 'a'");
    }

    [Fact]
    public void Duplicate_tensor_name()
    {
        var b = Start(2, out int at);
        b.Tensor("a", [8], 0, 0);
        int second = b.Length;
        b.Tensor("a", [8], 0, 32).PadTo(32).Zeros(64);
        Reject(b.ToArray(), second, "duplicate tensor name 'a'");
    }

    [Fact]
    public void Tensor_name_longer_than_ggml_allows()
    {
        var b = OneTensorFile(out int at);
        b.Tensor(new string('n', 64), [8], 0, 0).PadTo(32).Zeros(32);
        Reject(b.ToArray(), at, "tensor name length 64 exceeds the limit of 63 bytes");
    }

    [Fact]
    public void Data_section_past_the_end()
    {
        var b = OneTensorFile(out _);
        b.Tensor("t", [0], 0, 0);
        int end = b.Length;
        Reject(b.ToArray(), end, "data section would start");
    }

    [Fact]
    public void A_well_formed_hand_made_file_is_accepted()
    {
        // The control for the cases above: the same assembly with nothing wrong parses.
        var b = Start(2, out _);
        b.Tensor("a", [16], 0, 0).Tensor("b", [16], 0, 64).PadTo(32).Zeros(128);
        using var file = GgufFile.FromMemory(b.ToArray());
        Assert.Equal(2, file.Tensors.Count);
        Assert.Equal("x", file.Architecture);
    }
}
