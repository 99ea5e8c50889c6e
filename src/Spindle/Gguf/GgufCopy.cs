namespace Spindle.Gguf;

/// <summary>Writes a GGUF file from an open one, optionally with edited metadata or a different tensor list.</summary>
public static class GgufCopy
{
    /// <summary>The source's tensors in file order, each reading from the source's mapping.</summary>
    public static List<GgufTensorSource> TensorsOf(GgufFile source)
    {
        var list = new List<GgufTensorSource>(source.Tensors.Count);
        foreach (var t in source.Tensors) list.Add(GgufTensorSource.FromFile(source, t));
        return list;
    }

    /// <summary>
    /// Writes <paramref name="source"/> to <paramref name="destination"/> with <paramref name="metadata"/> (default: the
    /// source's) and <paramref name="tensors"/> (default: the source's), keeping the source's GGUF version.
    /// </summary>
    public static void Write(GgufFile source, Stream destination, GgufMetadata? metadata = null, IReadOnlyList<GgufTensorSource>? tensors = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        tensors ??= TensorsOf(source);
        using var writer = new GgufWriter(destination, leaveOpen: true);
        var descriptors = new GgufTensorDescriptor[tensors.Count];
        for (int i = 0; i < descriptors.Length; i++) descriptors[i] = tensors[i].Descriptor;
        writer.WriteHeader(metadata ?? source.Metadata, descriptors, source.Version);
        for (int i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i];
            t.WriteData(writer);
            if (writer.NextTensorIndex <= i && t.Descriptor.ByteLength > 0)
                throw new InvalidOperationException($"tensor '{t.Descriptor.Name}': its source wrote fewer than {t.Descriptor.ByteLength} bytes");
        }
        writer.Complete();
    }

    /// <summary>As <see cref="Write(GgufFile, Stream, GgufMetadata?, IReadOnlyList{GgufTensorSource}?)"/> to a file; a failed write leaves no file behind.</summary>
    public static void Write(GgufFile source, string path, GgufMetadata? metadata = null, IReadOnlyList<GgufTensorSource>? tensors = null)
    {
        if (source.Path != null && Path.GetFullPath(source.Path) == Path.GetFullPath(path))
            throw new ArgumentException("cannot write a GGUF file over the file it is copied from", nameof(path));
        try
        {
            using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 20);
            Write(source, stream, metadata, tensors);
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }
}
