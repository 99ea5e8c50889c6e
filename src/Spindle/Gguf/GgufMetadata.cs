namespace Spindle.Gguf;

/// <summary>The key/value section of a GGUF file, in file order, with typed getters for the standard keys.</summary>
public sealed class GgufMetadata
{
    private readonly Dictionary<string, GgufValue> _values;
    private readonly List<string> _keys;

    public GgufMetadata()
    {
        _values = new Dictionary<string, GgufValue>(StringComparer.Ordinal);
        _keys = new List<string>();
    }

    /// <summary>Keys in the order the file stores them.</summary>
    public IReadOnlyList<string> Keys => _keys;

    public int Count => _keys.Count;

    public GgufValue this[string key] => _values[key];

    public bool ContainsKey(string key) => _values.ContainsKey(key);

    public bool TryGetValue(string key, out GgufValue value) => _values.TryGetValue(key, out value!);

    /// <summary>Adds a key; returns false when it is already present.</summary>
    public bool TryAdd(string key, GgufValue value)
    {
        if (!_values.TryAdd(key, value)) return false;
        _keys.Add(key);
        return true;
    }

    /// <summary>Sets a key, keeping its place when it already exists.</summary>
    public void Set(string key, GgufValue value)
    {
        if (_values.ContainsKey(key)) _values[key] = value;
        else TryAdd(key, value);
    }

    public bool Remove(string key)
    {
        if (!_values.Remove(key)) return false;
        _keys.Remove(key);
        return true;
    }

    /// <summary>A copy with the same keys in the same order (values are shared: they are not changed in place).</summary>
    public GgufMetadata Clone()
    {
        var copy = new GgufMetadata();
        foreach (string key in _keys) copy.TryAdd(key, _values[key]);
        return copy;
    }

    /// <summary><c>general.architecture</c>, the prefix of the model's own keys.</summary>
    public string? Architecture => GetStringOrNull(GgufKeys.Architecture);

    public string? GetStringOrNull(string key) =>
        _values.TryGetValue(key, out var v) && v.Value is string s ? s : null;

    public long? GetInt64OrNull(string key) =>
        _values.TryGetValue(key, out var v) && v.TryGetInt64(out long l) ? l : null;

    public double? GetDoubleOrNull(string key) =>
        _values.TryGetValue(key, out var v) && v.TryGetDouble(out double d) ? d : null;

    public bool? GetBoolOrNull(string key) =>
        _values.TryGetValue(key, out var v) && v.Value is bool b ? b : null;

    public GgufArray? GetArrayOrNull(string key) =>
        _values.TryGetValue(key, out var v) ? v.Value as GgufArray : null;

    /// <summary>A required integer key, as int; a missing key or a wrong type is a <see cref="GgufFormatException"/>.</summary>
    public int GetRequiredInt32(string key)
    {
        if (!_values.TryGetValue(key, out var v)) throw new GgufFormatException($"GGUF metadata key '{key}' is missing");
        if (!v.TryGetInt64(out long l)) throw new GgufFormatException($"GGUF metadata key '{key}' is {v.Type}, expected an integer");
        if (l < int.MinValue || l > int.MaxValue) throw new GgufFormatException($"GGUF metadata key '{key}' = {l} is out of range");
        return (int)l;
    }

    /// <summary><c>{arch}.{suffix}</c>, e.g. ArchKey("context_length") → "llama.context_length".</summary>
    public string ArchKey(string suffix) => $"{Architecture}.{suffix}";
}
