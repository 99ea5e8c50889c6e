using System.Text;

namespace Spindle.Generation;

/// <summary>
/// Finds stop strings in streamed text, across token boundaries, without ever releasing any part of one: text is held
/// back while a suffix of it is still a prefix of some stop string. Everything released is final.
/// </summary>
public sealed class StopStringMatcher
{
    private readonly string[] _stops;
    private readonly StringBuilder _pending = new();

    public StopStringMatcher(IReadOnlyList<string> stopStrings)
    {
        var stops = new List<string>(stopStrings.Count);
        foreach (var s in stopStrings)
            if (!string.IsNullOrEmpty(s)) stops.Add(s);
        _stops = [.. stops];
    }

    /// <summary>Text held back because it could begin a stop string.</summary>
    public int PendingLength => _pending.Length;

    /// <summary>
    /// Adds <paramref name="text"/>; <paramref name="released"/> is the text now known not to be part of a stop string.
    /// Returns true when a stop string was completed: then <paramref name="released"/> is the text before it and the
    /// stop string and anything after it are dropped.
    /// </summary>
    public bool Append(string text, out string released)
    {
        if (_stops.Length == 0)
        {
            released = text;
            return false;
        }
        _pending.Append(text);
        if (_pending.Length == 0)
        {
            released = "";
            return false;
        }
        string pending = _pending.ToString();
        // Only the pending text can hold the start of a match: earlier text was released because no suffix of it began one.
        int first = -1;
        foreach (var stop in _stops)
        {
            int at = pending.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (first < 0 || at < first)) first = at;
        }
        if (first >= 0)
        {
            released = pending[..first];
            _pending.Clear();
            return true;
        }
        int hold = 0;
        foreach (var stop in _stops)
        {
            for (int k = Math.Min(stop.Length - 1, pending.Length); k > hold; k--)
            {
                if (pending.AsSpan(pending.Length - k).SequenceEqual(stop.AsSpan(0, k)))
                {
                    hold = k;
                    break;
                }
            }
        }
        released = hold == 0 ? pending : pending[..^hold];
        _pending.Clear();
        if (hold > 0) _pending.Append(pending, pending.Length - hold, hold);
        return false;
    }

    /// <summary>Ends the stream: held-back text did not become a stop string, so it is released.</summary>
    public string Flush()
    {
        string rest = _pending.ToString();
        _pending.Clear();
        return rest;
    }
}
