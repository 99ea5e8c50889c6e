using System.IO.MemoryMappedFiles;

namespace Spindle.Gguf;

/// <summary>
/// A whole file mapped read-only into the address space (GGUF files, safetensors shards). Nothing is read until a page
/// is touched; <see cref="Pointer"/> stays valid until <see cref="Dispose"/>. An empty file has no mapping and a null pointer.
/// </summary>
internal sealed unsafe class MappedFile : IDisposable
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;

    private MappedFile(string path, long length, MemoryMappedFile? map, MemoryMappedViewAccessor? view, byte* pointer)
    {
        Path = path;
        Length = length;
        _map = map;
        _view = view;
        Pointer = pointer;
    }

    public string Path { get; }

    public long Length { get; }

    public byte* Pointer { get; private set; }

    /// <summary>Maps <paramref name="path"/>; a missing file is a <see cref="FileNotFoundException"/> naming it.</summary>
    public static MappedFile Open(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"file not found: {path}", path);
        long length = info.Length;
        if (length == 0) return new MappedFile(path, 0, null, null, null);
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, mapName: null, 0, MemoryMappedFileAccess.Read);
            view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            return new MappedFile(path, length, map, view, p + view.PointerOffset);
        }
        catch
        {
            view?.Dispose();
            map?.Dispose();
            throw;
        }
    }

    /// <summary>Bytes [offset, offset + length) of the file; the range must lie inside it.</summary>
    public ReadOnlySpan<byte> Span(long offset, int length)
    {
        ObjectDisposedException.ThrowIf(Pointer == null && Length > 0, this);
        if (offset < 0 || length < 0 || offset > Length - length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, {offset} + {length}) is outside the {Length}-byte file");
        return new ReadOnlySpan<byte>(Pointer + offset, length);
    }

    /// <summary>Drops bytes [offset, offset + length) from the resident set (<see cref="PageRelease"/>); they stay readable.</summary>
    public void ReleasePages(long offset, long length)
    {
        if (Pointer == null || offset < 0 || length <= 0 || offset > Length - length) return;
        PageRelease.FileMappedRange(Pointer + offset, length);
    }

    public void Dispose()
    {
        if (_view != null && Pointer != null) _view.SafeMemoryMappedViewHandle.ReleasePointer();
        Pointer = null;
        _view?.Dispose();
        _map?.Dispose();
    }
}
