namespace Spindle.Sampling;

/// <summary>A ring buffer of the last N tokens of a sequence, for penalties that look back over a window.</summary>
public sealed class TokenHistory
{
    private readonly int[] _ring;
    private int _start;

    public TokenHistory(int capacity)
    {
        _ring = new int[Math.Max(capacity, 0)];
    }

    public int Capacity => _ring.Length;

    public int Count { get; private set; }

    /// <summary>Token i of the window, 0 = oldest.</summary>
    public int this[int index] => _ring[(_start + index) % _ring.Length];

    public void Add(int token)
    {
        if (_ring.Length == 0) return;
        if (Count < _ring.Length)
        {
            _ring[(_start + Count) % _ring.Length] = token;
            Count++;
        }
        else
        {
            _ring[_start] = token;
            _start = (_start + 1) % _ring.Length;
        }
    }

    public void Clear()
    {
        _start = 0;
        Count = 0;
    }

    public TokenHistory Clone()
    {
        var copy = new TokenHistory(_ring.Length);
        for (int i = 0; i < Count; i++) copy.Add(this[i]);
        return copy;
    }
}
