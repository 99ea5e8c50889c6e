using System.Text;

namespace Spindle.Chat.Tools;

/// <summary>
/// Streams a reply's plain text while holding back what may be a tool call, so a streaming client shows text as it
/// comes and gets the calls once, parsed, at the end. Held back: everything for Required / Named (the reply is the
/// call JSON); for Auto, everything from a <c>&lt;tool_call&gt;</c> tag on (and a partial tag at the end of a chunk),
/// and the whole reply when it begins with <c>{</c> or <c>[</c> (it may be a call written as bare JSON). None holds
/// nothing back. Text held back that turns out not to be a call is released by <see cref="Finish"/>.
/// </summary>
public sealed class ToolCallStreamFilter
{
    private readonly ToolCallProtocol _protocol;
    private readonly StringBuilder _pending = new();
    private bool _holding;
    private bool _started;

    public ToolCallStreamFilter(ToolCallProtocol protocol)
    {
        _protocol = protocol ?? throw new ArgumentNullException(nameof(protocol));
        _holding = protocol.Constraint is not null;
    }

    /// <summary>Adds generated text; returns the part that can be shown now (possibly empty).</summary>
    public string Append(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (_protocol.TemplateToolsVariable is null) return text;
        _pending.Append(text);
        if (_holding) return "";
        if (!_started)
        {
            // Leading whitespace decides nothing yet.
            int first = 0;
            while (first < _pending.Length && char.IsWhiteSpace(_pending[first])) first++;
            if (first == _pending.Length) return "";
            _started = true;
            if (_pending[first] is '{' or '[')
            {
                _holding = true;
                return "";
            }
        }
        string all = _pending.ToString();
        int open = all.IndexOf(ToolCallParser.Open, StringComparison.Ordinal);
        if (open >= 0)
        {
            _holding = true;
            _pending.Remove(0, open);
            return all[..open];
        }
        int keep = PartialTagLength(all);
        _pending.Remove(0, all.Length - keep);
        return all[..^keep];
    }

    /// <summary>
    /// Ends the reply: the calls in the text held back, and the text still to show (held-back text that was no call,
    /// or what follows the calls).
    /// </summary>
    public ToolCallParseResult Finish()
    {
        string rest = _pending.ToString();
        _pending.Clear();
        return _protocol.Parse(rest);
    }

    /// <summary>How long a suffix of <paramref name="text"/> is a proper prefix of the opening tag.</summary>
    private static int PartialTagLength(string text)
    {
        for (int n = Math.Min(ToolCallParser.Open.Length - 1, text.Length); n > 0; n--)
            if (text.AsSpan(text.Length - n).SequenceEqual(ToolCallParser.Open.AsSpan(0, n))) return n;
        return 0;
    }
}
