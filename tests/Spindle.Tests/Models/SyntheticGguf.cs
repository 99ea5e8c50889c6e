using System.Text;
using Spindle.Tensors.Blocks;
namespace Spindle.Tests.Models;

/// <summary>
/// Writes small GGUF v3 images in memory for loader tests: string/u32/f32 metadata and F32 tensors filled with
/// deterministic pseudo-random values. Test-only; the library has no GGUF writer.
/// </summary>
internal sealed class SyntheticGguf
{
    private readonly List<(string Key, object Value)> _metadata = [];
    private readonly List<(string Name, long[] Dims, GgmlType Type)> _tensors = [];

    public SyntheticGguf Set(string key, object value)
    {
        _metadata.RemoveAll(m => m.Key == key);
        _metadata.Add((key, value));
        return this;
    }

    public SyntheticGguf Unset(string key)
    {
        _metadata.RemoveAll(m => m.Key == key);
        return this;
    }

    public SyntheticGguf Tensor(string name, params long[] dims) => Tensor(name, GgmlType.F32, dims);

    /// <summary>A tensor of any type; non-F32 data is zeros.</summary>
    public SyntheticGguf Tensor(string name, GgmlType type, params long[] dims)
    {
        _tensors.RemoveAll(t => t.Name == name);
        _tensors.Add((name, dims, type));
        return this;
    }

    public SyntheticGguf Without(string tensorName)
    {
        _tensors.RemoveAll(t => t.Name == tensorName);
        return this;
    }

    /// <summary>A two-layer Llama with n_embd 32, 4 heads, 2 KV heads, n_ff 64, vocab 40, context 16.</summary>
    public static SyntheticGguf TinyLlama()
    {
        var g = new SyntheticGguf()
            .Set("general.architecture", "llama")
            .Set("llama.context_length", 16u)
            .Set("llama.embedding_length", 32u)
            .Set("llama.block_count", 2u)
            .Set("llama.feed_forward_length", 64u)
            .Set("llama.attention.head_count", 4u)
            .Set("llama.attention.head_count_kv", 2u)
            .Set("llama.attention.layer_norm_rms_epsilon", 1e-5f)
            .Tensor("token_embd.weight", 32, 40)
            .Tensor("output_norm.weight", 32);
        for (int i = 0; i < 2; i++)
        {
            string p = $"blk.{i}.";
            g.Tensor(p + "attn_norm.weight", 32).Tensor(p + "attn_q.weight", 32, 32).Tensor(p + "attn_k.weight", 32, 16)
                .Tensor(p + "attn_v.weight", 32, 16).Tensor(p + "attn_output.weight", 32, 32).Tensor(p + "ffn_norm.weight", 32)
                .Tensor(p + "ffn_gate.weight", 32, 64).Tensor(p + "ffn_up.weight", 32, 64).Tensor(p + "ffn_down.weight", 64, 32);
        }
        return g;
    }

    public byte[] Build()
    {
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms);
        w.Write(Encoding.ASCII.GetBytes("GGUF"));
        w.Write(3u);
        w.Write((ulong)_tensors.Count);
        w.Write((ulong)_metadata.Count);
        foreach (var (key, value) in _metadata)
        {
            WriteString(w, key);
            switch (value)
            {
                case uint u: w.Write(4u); w.Write(u); break;
                case float f: w.Write(6u); w.Write(f); break;
                case string s: w.Write(8u); WriteString(w, s); break;
                default: throw new NotSupportedException(value.GetType().Name);
            }
        }
        long offset = 0;
        var sizes = new List<long>();
        foreach (var (name, dims, type) in _tensors)
        {
            WriteString(w, name);
            w.Write((uint)dims.Length);
            foreach (long d in dims) w.Write((ulong)d);
            w.Write((uint)type);
            w.Write((ulong)offset);
            long bytes = GgmlTypeInfo.ByteLength(type, dims.Aggregate(1L, (a, d) => a * d));
            sizes.Add(type == GgmlType.F32 ? bytes : -bytes);
            offset += (bytes + 31) / 32 * 32;
        }
        Pad(w);
        var rng = new Random(1234);
        foreach (long size in sizes)
        {
            // Negative sizes mark non-F32 tensors, left as zeros.
            if (size < 0) w.Write(new byte[-size]);
            for (long i = 0; i < size / 4; i++) w.Write((float)(rng.NextDouble() * 0.2 - 0.1));
            Pad(w);
        }
        w.Flush();
        return ms.ToArray();
    }

    private static void Pad(BinaryWriter w)
    {
        while (w.BaseStream.Position % 32 != 0) w.Write((byte)0);
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        byte[] b = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)b.Length);
        w.Write(b);
    }
}
