using System.Text;
using Spindle.Gguf;

namespace Spindle.Tests.Cli;

/// <summary>
/// Copies of the real stories260K file with edited metadata (an unsupported architecture, a block count of 2^31 − 1,
/// escape sequences in its name, a chat template that fails), written to temporary files the test deletes.
/// </summary>
internal sealed class HostileModel : IDisposable
{
    public static readonly string Source = SharedData.PathOf("models", "stories260K", "stories260K.f32.gguf");

    private HostileModel(string path) => Path = path;

    public string Path { get; }

    /// <summary>stories260K with <paramref name="edit"/> applied to a copy of its metadata.</summary>
    public static HostileModel WithMetadata(Action<GgufMetadata> edit)
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"spindle-hostile-{Guid.NewGuid():N}.gguf");
        using var source = GgufFile.Open(Source);
        var metadata = source.Metadata.Clone();
        edit(metadata);
        GgufCopy.Write(source, path, metadata);
        return new HostileModel(path);
    }

    public static HostileModel WithChatTemplate(string template) =>
        WithMetadata(m => m.Set(GgufKeys.ChatTemplate, GgufValue.String(template)));

    /// <summary>A file written byte by byte (for headers the writer refuses to produce, such as a duplicate key).</summary>
    public static HostileModel FromBytes(byte[] bytes)
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"spindle-hostile-{Guid.NewGuid():N}.gguf");
        File.WriteAllBytes(path, bytes);
        return new HostileModel(path);
    }

    /// <summary>A GGUF v3 header with no tensors and the u32 key <paramref name="key"/> twice.</summary>
    public static byte[] DuplicateKey(string key)
    {
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms);
        w.Write("GGUF"u8);
        w.Write(3u);
        w.Write(0UL); // tensors
        w.Write(2UL); // metadata entries
        for (int i = 0; i < 2; i++)
        {
            byte[] k = Encoding.UTF8.GetBytes(key);
            w.Write((ulong)k.Length);
            w.Write(k);
            w.Write(4u); // u32
            w.Write(7u);
        }
        w.Flush();
        return ms.ToArray();
    }

    public void Dispose()
    {
        try { File.Delete(Path); } catch (IOException) { }
    }
}
