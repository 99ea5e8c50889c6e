using System.Text;

namespace Spindle.Cli.Commands.BenchServe;

/// <summary>
/// Reads the data of server-sent events (the text/event-stream format of the HTML standard) from a response body:
/// "data:" lines accumulate (joined by line feeds) until a blank line dispatches them; lines starting with ':' are
/// comments (keep-alives); other fields (event, id, retry) are ignored. Lines may end in CR LF, LF or CR, and may arrive
/// split across any number of reads, multi-byte characters included: a StreamReader reassembles them.
/// </summary>
internal sealed class ServerSentEventReader : IDisposable
{
    private readonly StreamReader _reader;
    private readonly StringBuilder _data = new();
    private readonly StringBuilder _line = new();
    private readonly char[] _buffer = new char[4096];
    private int _start, _end;
    private bool _hasData;
    private bool _afterCr;

    /// <summary>Longest event accepted (a line, or the data lines of one event together), in chars: a server that never
    /// ends a line or an event is an error, not a reason to grow without limit.</summary>
    public const int MaxEventChars = 16 << 20;

    public ServerSentEventReader(Stream stream) =>
        _reader = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);

    /// <summary>The next event's data, or null at the end of the stream.</summary>
    public async ValueTask<string?> ReadDataAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            string? line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line is null)
            {
                // The standard drops an event the stream ends in the middle of; servers that end on "data: [DONE]"
                // without the blank line are common enough to keep it.
                return _hasData ? TakeData() : null;
            }
            if (line.Length == 0)
            {
                if (_hasData) return TakeData();
                continue;
            }
            if (line[0] == ':') continue;
            int colon = line.IndexOf(':');
            ReadOnlySpan<char> field = colon < 0 ? line : line.AsSpan(0, colon);
            if (!field.SequenceEqual("data")) continue;
            ReadOnlySpan<char> value = colon < 0 ? [] : line.AsSpan(colon + 1);
            if (value.Length > 0 && value[0] == ' ') value = value[1..];
            if (_hasData) _data.Append('\n');
            _data.Append(value);
            _hasData = true;
            if (_data.Length > MaxEventChars) throw TooLong();
        }
    }

    /// <summary>The next line without its terminator (CR LF, LF or CR), or null at the end; at most <see cref="MaxEventChars"/>.</summary>
    private async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        _line.Clear();
        while (true)
        {
            if (_start == _end)
            {
                _start = 0;
                _end = await _reader.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
                if (_end == 0) return _line.Length > 0 ? _line.ToString() : null;
            }
            while (_start < _end)
            {
                char c = _buffer[_start++];
                bool skipLf = _afterCr && c == '\n';
                _afterCr = false;
                if (skipLf) continue; // the LF of a CR LF whose CR ended the previous line
                if (c is '\n' or '\r')
                {
                    _afterCr = c == '\r';
                    return _line.ToString();
                }
                if (_line.Length == MaxEventChars) throw TooLong();
                _line.Append(c);
            }
        }
    }

    private static InvalidDataException TooLong() =>
        new($"the server sent an event longer than {MaxEventChars} characters");

    private string TakeData()
    {
        string data = _data.ToString();
        _data.Clear();
        _hasData = false;
        return data;
    }

    public void Dispose() => _reader.Dispose();
}
