namespace Spindle.Gguf;

/// <summary>
/// A metadata array. <see cref="Items"/> is a typed CLR array: byte[], sbyte[], ushort[], short[], uint[], int[],
/// float[], bool[], ulong[], long[], double[], string[], or GgufArray[] for arrays of arrays.
/// </summary>
/// <remarks>
/// Arrays of strings and arrays of arrays read from a file keep the file's encoded bytes and decode on first access to
/// <see cref="Items"/>: a 32,000-token vocabulary would otherwise cost about twice its size in string objects at open,
/// and the raw bytes let a writer reproduce the file byte for byte (even a string that is not valid UTF-8) as long as
/// the items were never handed out for editing.
/// </remarks>
public sealed class GgufArray
{
    private Array? _items;
    private readonly byte[]? _encoded;
    private readonly int _count;

    public GgufArray(GgufValueType elementType, Array items)
    {
        ArgumentNullException.ThrowIfNull(items);
        ElementType = elementType;
        _items = items;
        _count = items.Length;
    }

    /// <summary>An array whose elements are still in file encoding (validated by the parser).</summary>
    internal GgufArray(GgufValueType elementType, int count, byte[] encoded)
    {
        ElementType = elementType;
        _count = count;
        _encoded = encoded;
    }

    public GgufValueType ElementType { get; }

    public Array Items
    {
        get
        {
            if (_items is { } items) return items;
            var decoded = GgufArrayDecoder.Decode(ElementType, _count, _encoded!);
            return Interlocked.CompareExchange(ref _items, decoded, null) ?? decoded;
        }
    }

    public int Count => _items?.Length ?? _count;

    /// <summary>
    /// The elements exactly as the file stored them (without the type and count), when they have never been decoded;
    /// once <see cref="Items"/> was read the caller may have changed them, so the writer re-encodes.
    /// </summary>
    internal byte[]? UntouchedEncoding => _items == null ? _encoded : null;

    public T[] As<T>() => Items as T[]
        ?? throw new InvalidOperationException($"array holds {ElementType}, not {typeof(T).Name}");

    /// <summary>Integer elements of any width as int (token types, ids).</summary>
    public int[] ToInt32Array()
    {
        var result = new int[Count];
        switch (Items)
        {
            case int[] a: a.CopyTo(result, 0); break;
            case uint[] a: for (int i = 0; i < a.Length; i++) result[i] = checked((int)a[i]); break;
            case short[] a: for (int i = 0; i < a.Length; i++) result[i] = a[i]; break;
            case ushort[] a: for (int i = 0; i < a.Length; i++) result[i] = a[i]; break;
            case sbyte[] a: for (int i = 0; i < a.Length; i++) result[i] = a[i]; break;
            case byte[] a: for (int i = 0; i < a.Length; i++) result[i] = a[i]; break;
            case long[] a: for (int i = 0; i < a.Length; i++) result[i] = checked((int)a[i]); break;
            case ulong[] a: for (int i = 0; i < a.Length; i++) result[i] = checked((int)a[i]); break;
            default: throw new InvalidOperationException($"array holds {ElementType}, not integers");
        }
        return result;
    }

    /// <summary>Numeric elements as float (token scores).</summary>
    public float[] ToSingleArray()
    {
        if (Items is float[] f) return (float[])f.Clone();
        if (Items is double[] d)
        {
            var r = new float[d.Length];
            for (int i = 0; i < d.Length; i++) r[i] = (float)d[i];
            return r;
        }
        int[] ints = ToInt32Array();
        var result = new float[ints.Length];
        for (int i = 0; i < ints.Length; i++) result[i] = ints[i];
        return result;
    }
}
