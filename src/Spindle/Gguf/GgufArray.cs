namespace Spindle.Gguf;

/// <summary>
/// A metadata array. <see cref="Items"/> is a typed CLR array: byte[], sbyte[], ushort[], short[], uint[], int[],
/// float[], bool[], ulong[], long[], double[], string[], or GgufArray[] for arrays of arrays.
/// </summary>
public sealed class GgufArray
{
    public GgufArray(GgufValueType elementType, Array items)
    {
        ElementType = elementType;
        Items = items;
    }

    public GgufValueType ElementType { get; }

    public Array Items { get; }

    public int Count => Items.Length;

    public T[] As<T>() => Items as T[]
        ?? throw new InvalidOperationException($"array holds {ElementType}, not {typeof(T).Name}");

    /// <summary>Integer elements of any width as int (token types, ids).</summary>
    public int[] ToInt32Array()
    {
        var result = new int[Items.Length];
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
