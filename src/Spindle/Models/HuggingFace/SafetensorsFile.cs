using Spindle.Gguf;

namespace Spindle.Models.HuggingFace;

/// <summary>
/// A .safetensors file opened read-only and memory-mapped, its header validated at open. Tensor bytes are never copied:
/// <see cref="GetTensorPointer"/> points into the mapping, valid until the file is disposed.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    private readonly MappedFile _mapped;
    private readonly Dictionary<string, SafetensorsTensor> _byName;

    private SafetensorsFile(MappedFile mapped, SafetensorsHeader header)
    {
        _mapped = mapped;
        Header = header;
        _byName = new Dictionary<string, SafetensorsTensor>(header.Tensors.Count, StringComparer.Ordinal);
        foreach (var t in header.Tensors) _byName[t.Name] = t;
    }

    /// <summary>Opens and validates <paramref name="path"/>; a malformed file throws <see cref="SafetensorsFormatException"/>.</summary>
    public static SafetensorsFile Open(string path)
    {
        var mapped = MappedFile.Open(path);
        try
        {
            long headerLength = SafetensorsHeaderParser.ReadHeaderLength(path, mapped.Length >= 8 ? mapped.Span(0, 8) : default, mapped.Length);
            var header = SafetensorsHeaderParser.Parse(path, mapped.Span(8, (int)headerLength), mapped.Length - 8 - headerLength);
            return new SafetensorsFile(mapped, header);
        }
        catch
        {
            mapped.Dispose();
            throw;
        }
    }

    public string Path => _mapped.Path;

    /// <summary>File size in bytes.</summary>
    public long Length => _mapped.Length;

    public SafetensorsHeader Header { get; }

    public IReadOnlyList<SafetensorsTensor> Tensors => Header.Tensors;

    public SafetensorsTensor? FindTensor(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Absolute offset of the tensor's first byte in the file.</summary>
    public long GetFileOffset(SafetensorsTensor tensor) => Header.DataOffset + tensor.DataStart;

    /// <summary>Pointer to the tensor's first byte inside the mapping; valid until <see cref="Dispose"/>.</summary>
    public byte* GetTensorPointer(SafetensorsTensor tensor)
    {
        ObjectDisposedException.ThrowIf(_mapped.Pointer == null && _mapped.Length > 0, this);
        if (!ReferenceEquals(_byName.GetValueOrDefault(tensor.Name), tensor))
            throw new ArgumentException($"tensor '{tensor.Name}' is not part of {Path}", nameof(tensor));
        return _mapped.Pointer + GetFileOffset(tensor);
    }

    public void Dispose() => _mapped.Dispose();
}
