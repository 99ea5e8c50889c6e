using System.Text;

namespace Spindle.Chat.Tools;

/// <summary>
/// Reads the tool-call JSON of a Required or Named reply while it is generated, so a stream can carry each call as
/// OpenAI's deltas: first the call's index, id and name, then its arguments text piece by piece. The reply is the
/// constrained, compact JSON of <see cref="ToolCallProtocol.Constraint"/> (one call object, or an array of them), with
/// "name" before "arguments" (the constraint keeps schema order), so a call's name is known before its first argument
/// character; arguments that would come first are held until the name arrives.
/// </summary>
public sealed class ToolCallDeltaParser
{
    private readonly int _callDepth;
    private readonly StringBuilder _key = new();
    private readonly StringBuilder _name = new();
    private readonly StringBuilder _arguments = new();
    private int _depth;
    private bool _inString;
    private bool _escape;
    private Field _field;
    private bool _readingKey;
    private bool _named;
    private int _index;

    private enum Field { None, Name, Arguments }

    /// <param name="array">The reply is an array of calls (Required with parallel calls) rather than one call object.</param>
    public ToolCallDeltaParser(bool array) => _callDepth = array ? 2 : 1;

    /// <summary>Calls that have started (their name and id were delivered).</summary>
    public int Calls => _index + (_named ? 1 : 0);

    /// <summary>Feeds generated text; the deltas it completes are appended to <paramref name="deltas"/>.</summary>
    public void Append(string text, List<ToolCallDelta> deltas)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(deltas);
        foreach (char c in text) Read(c, deltas);
        FlushArguments(deltas);
    }

    private void Read(char c, List<ToolCallDelta> deltas)
    {
        // Inside the arguments value every character is passed on; only its end (back at the call's depth) is tracked.
        if (_field == Field.Arguments)
        {
            if (_inString)
            {
                _arguments.Append(c);
                if (_escape) _escape = false;
                else if (c == '\\') _escape = true;
                else if (c == '"') _inString = false;
                return;
            }
            if (c is '}' or ']' && _depth == _callDepth + 1)
            {
                _arguments.Append(c);
                _depth--;
                _field = Field.None;
                return;
            }
            if (_depth == _callDepth && c is ',' or '}')
            {
                // A scalar arguments value ends here (the schema asks for an object, but stay safe).
                _field = Field.None;
            }
            else
            {
                _arguments.Append(c);
                if (c == '"') _inString = true;
                else if (c is '{' or '[') _depth++;
                else if (c is '}' or ']') _depth--;
                return;
            }
        }
        if (_inString)
        {
            if (_escape)
            {
                _escape = false;
                Capture(Unescape(c));
                return;
            }
            if (c == '\\')
            {
                _escape = true;
                return;
            }
            if (c == '"')
            {
                _inString = false;
                if (_field == Field.Name && !_readingKey) StartCall(deltas);
                return;
            }
            Capture(c);
            return;
        }
        switch (c)
        {
            case '{' or '[':
                _depth++;
                if (_depth == _callDepth && c == '{') _readingKey = true;
                break;
            case '}' or ']':
                if (_depth == _callDepth && c == '}') EndCall(deltas);
                _depth--;
                break;
            case ',':
                if (_depth == _callDepth) _readingKey = true;
                break;
            case ':':
                if (_depth == _callDepth && _readingKey)
                {
                    _readingKey = false;
                    _field = _key.ToString() switch
                    {
                        "name" => Field.Name,
                        "arguments" => Field.Arguments,
                        _ => Field.None,
                    };
                    _key.Clear();
                }
                break;
            case '"':
                _inString = true;
                break;
        }
    }

    private void Capture(char c)
    {
        if (_depth != _callDepth) return;
        if (_readingKey) _key.Append(c);
        else if (_field == Field.Name) _name.Append(c);
    }

    private void StartCall(List<ToolCallDelta> deltas)
    {
        _field = Field.None;
        _named = true;
        deltas.Add(new ToolCallDelta(_index, ToolCallParser.NewCallId(), _name.ToString(), ""));
        _name.Clear();
    }

    private void EndCall(List<ToolCallDelta> deltas)
    {
        FlushArguments(deltas);
        if (_named) _index++;
        _named = false;
        _field = Field.None;
        _readingKey = false;
    }

    private void FlushArguments(List<ToolCallDelta> deltas)
    {
        if (!_named || _arguments.Length == 0) return;
        deltas.Add(new ToolCallDelta(_index, null, null, _arguments.ToString()));
        _arguments.Clear();
    }

    private static char Unescape(char c) => c switch
    {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        'b' => '\b',
        'f' => '\f',
        _ => c, // '"', '\\', '/'; \uXXXX in a name is left as its letters (names are identifiers in practice)
    };
}

/// <summary>
/// One streamed piece of a tool call: the first for a call carries its <see cref="Id"/> and <see cref="Name"/>, the
/// others a piece of its arguments JSON text.
/// </summary>
public readonly record struct ToolCallDelta(int Index, string? Id, string? Name, string Arguments);
