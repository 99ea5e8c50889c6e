using System.Globalization;
using System.Text;

namespace Spindle.Chat.Jinja;

/// <summary>
/// Splits a template into text and tag tokens with the whitespace rules transformers renders chat templates with:
/// <c>trim_blocks</c> (drop the first newline after a block or comment tag), <c>lstrip_blocks</c> (drop spaces and tabs
/// before a block or comment tag that starts its line), <c>-</c> modifiers (strip all whitespace on that side),
/// <c>{%+</c> (no lstrip) and <c>keep_trailing_newline=False</c> (one final newline of the source is dropped).
/// Newlines are normalised to \n first, as Jinja2 does.
/// </summary>
internal sealed class Lexer
{
    private static readonly string[] Operators =
        ["//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|"];

    private readonly string _src;
    private readonly List<Token> _tokens = [];
    private readonly List<int> _lineStarts = [0];
    private readonly AllocationGauge _allocation;
    private int _pos;

    private Lexer(string source, long maxAllocatedBytes)
    {
        _allocation = new AllocationGauge(maxAllocatedBytes);
        string s = source.Replace("\r\n", "\n").Replace('\r', '\n');
        if (s.EndsWith('\n')) s = s[..^1];
        _src = s;
        for (int i = 0; i < s.Length; i++)
            if (s[i] == '\n') _lineStarts.Add(i + 1);
    }

    /// <exception cref="JinjaLimitException">lexing would allocate more than <paramref name="maxAllocatedBytes"/>.</exception>
    public static List<Token> Tokenize(string source, long maxAllocatedBytes = long.MaxValue)
    {
        var lexer = new Lexer(source, maxAllocatedBytes);
        lexer.Run();
        return lexer._tokens;
    }

    private (int Line, int Column) Where(int index)
    {
        int lo = 0, hi = _lineStarts.Count - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (_lineStarts[mid] <= index) lo = mid; else hi = mid - 1;
        }
        return (lo + 1, index - _lineStarts[lo] + 1);
    }

    private JinjaSyntaxException Error(string message, int index)
    {
        var (line, col) = Where(index);
        return new JinjaSyntaxException(message, line, col);
    }

    private void Add(TokenKind kind, string text, int index, long i = 0, double f = 0)
    {
        var (line, col) = Where(index);
        // Tokens take about 50 bytes per character of source, so a huge template is refused as it is read: every 4,096
        // tokens, and before the token list doubles (its one large allocation).
        if (_tokens.Count == _tokens.Capacity)
            _allocation.Check("reading the template", line, col, 2L * Math.Max(4, _tokens.Capacity) * System.Runtime.CompilerServices.Unsafe.SizeOf<Token>());
        else if ((_tokens.Count & 4095) == 0) _allocation.Check("reading the template", line, col);
        _tokens.Add(new Token(kind, text, line, col, i, f));
    }

    private int FindTagStart(int from)
    {
        for (int i = from; i + 1 < _src.Length; i++)
            if (_src[i] == '{' && (_src[i + 1] == '{' || _src[i + 1] == '%' || _src[i + 1] == '#')) return i;
        return -1;
    }

    private void Run()
    {
        bool lineStarting = true;
        while (_pos < _src.Length)
        {
            int tag = FindTagStart(_pos);
            if (tag < 0)
            {
                Add(TokenKind.Text, _src[_pos..], _pos);
                break;
            }
            string text = _src[_pos..tag];
            char kind = _src[tag + 1];
            int after = tag + 2;
            char sign = after < _src.Length ? _src[after] : '\0';
            if (sign == '-')
            {
                text = text.TrimEnd();
                after++;
            }
            else if (sign == '+' && kind != '{')
            {
                after++;
            }
            else if (kind != '{')
            {
                int lpos = text.LastIndexOf('\n') + 1;
                if ((lpos > 0 || lineStarting) && lpos < text.Length && IsAllWhitespace(text, lpos))
                    text = text[..lpos];
            }
            if (text.Length > 0) Add(TokenKind.Text, text, _pos);

            if (kind == '#')
            {
                int end = _src.IndexOf("#}", after, StringComparison.Ordinal);
                if (end < 0) throw Error("Missing end of comment tag", tag);
                _pos = ConsumeTagEnd(end, 2, _src[end - 1] == '-' && end - 1 >= after, out lineStarting);
                continue;
            }

            if (kind == '%' && TryLexRaw(tag, after, out lineStarting)) continue;

            Add(kind == '{' ? TokenKind.VariableBegin : TokenKind.BlockBegin, kind == '{' ? "{{" : "{%", tag);
            _pos = after;
            lineStarting = LexTagBody(kind == '{' ? "}}" : "%}", kind == '{' ? TokenKind.VariableEnd : TokenKind.BlockEnd, tag);
        }
        Add(TokenKind.Eof, "", _src.Length);
    }

    private static bool IsAllWhitespace(string s, int from)
    {
        for (int i = from; i < s.Length; i++)
            if (!char.IsWhiteSpace(s[i])) return false;
        return true;
    }

    /// <summary>Moves past a closing delimiter at <paramref name="end"/> and the whitespace the rules remove after it.</summary>
    private int ConsumeTagEnd(int end, int delimiterLength, bool stripAll, out bool lineStarting)
    {
        int p = end + delimiterLength;
        if (stripAll)
        {
            while (p < _src.Length && char.IsWhiteSpace(_src[p])) p++;
        }
        else if (p < _src.Length && _src[p] == '\n')
        {
            p++;
        }
        // Jinja2's line_starting: whether the text consumed with the tag end ended in a newline.
        lineStarting = p > end + delimiterLength && _src[p - 1] == '\n';
        return p;
    }

    private bool LexTagBody(string close, TokenKind endKind, int tagStart)
    {
        int depth = 0;
        while (true)
        {
            while (_pos < _src.Length && char.IsWhiteSpace(_src[_pos])) _pos++;
            if (_pos >= _src.Length) throw Error($"unexpected end of template, expected '{close}'", tagStart);
            if (depth == 0)
            {
                if (_src[_pos] == '-' && string.CompareOrdinal(_src, _pos + 1, close, 0, 2) == 0)
                {
                    Add(endKind, close, _pos);
                    _pos = ConsumeTagEnd(_pos + 1, 2, true, out bool ls);
                    return ls;
                }
                if (_src[_pos] == '+' && endKind == TokenKind.BlockEnd && string.CompareOrdinal(_src, _pos + 1, close, 0, 2) == 0)
                {
                    Add(endKind, close, _pos);
                    _pos += 3;
                    return false;
                }
                if (string.CompareOrdinal(_src, _pos, close, 0, 2) == 0)
                {
                    Add(endKind, close, _pos);
                    if (endKind != TokenKind.BlockEnd)
                    {
                        _pos += 2;
                        return false;
                    }
                    _pos = ConsumeTagEnd(_pos, 2, false, out bool ls);
                    return ls;
                }
            }
            char c = _src[_pos];
            if (char.IsAsciiLetter(c) || c == '_')
            {
                int start = _pos;
                while (_pos < _src.Length && (char.IsAsciiLetterOrDigit(_src[_pos]) || _src[_pos] == '_')) _pos++;
                Add(TokenKind.Name, _src[start.._pos], start);
            }
            else if (char.IsAsciiDigit(c))
            {
                LexNumber();
            }
            else if (c == '\'' || c == '"')
            {
                LexString();
            }
            else
            {
                string? op = null;
                foreach (var candidate in Operators)
                    if (string.CompareOrdinal(_src, _pos, candidate, 0, candidate.Length) == 0) { op = candidate; break; }
                if (op is null) throw Error($"unexpected char '{c}'", _pos);
                if (op is "(" or "[" or "{") depth++;
                else if (op is ")" or "]" or "}")
                {
                    if (depth == 0) throw Error($"unexpected '{op}'", _pos);
                    depth--;
                }
                Add(TokenKind.Operator, op, _pos);
                _pos += op.Length;
            }
        }
    }

    private void LexNumber()
    {
        int start = _pos;
        // After '.', digits are an attribute index (foo.0), never the fraction of a float.
        bool allowFloat = start == 0 || _src[start - 1] != '.';
        SkipDigits();
        bool isFloat = false;
        if (allowFloat && _pos + 1 < _src.Length && _src[_pos] == '.' && char.IsAsciiDigit(_src[_pos + 1]))
        {
            isFloat = true;
            _pos++;
            SkipDigits();
        }
        if (allowFloat && _pos < _src.Length && (_src[_pos] == 'e' || _src[_pos] == 'E'))
        {
            int save = _pos;
            _pos++;
            if (_pos < _src.Length && (_src[_pos] == '+' || _src[_pos] == '-')) _pos++;
            if (_pos < _src.Length && char.IsAsciiDigit(_src[_pos])) { isFloat = true; SkipDigits(); }
            else _pos = save;
        }
        string text = _src[start.._pos].Replace("_", "");
        if (isFloat) Add(TokenKind.Float, text, start, f: double.Parse(text, CultureInfo.InvariantCulture));
        else if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value)) Add(TokenKind.Integer, text, start, i: value);
        // Python's integers are unbounded; these are 64-bit, so a longer literal is refused rather than wrapped.
        else throw Error($"integer literal {text} does not fit in 64 bits", start);
    }

    private void SkipDigits()
    {
        while (_pos < _src.Length && (char.IsAsciiDigit(_src[_pos]) || (_src[_pos] == '_' && _pos + 1 < _src.Length && char.IsAsciiDigit(_src[_pos + 1]))))
            _pos++;
    }

    /// <summary>A quoted literal decoded like Python's unicode-escape (unknown escapes keep their backslash).</summary>
    private void LexString()
    {
        int start = _pos;
        char quote = _src[_pos++];
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _src.Length) throw Error("unexpected end of string literal", start);
            char c = _src[_pos++];
            if (c == quote) break;
            if (c != '\\') { sb.Append(c); continue; }
            if (_pos >= _src.Length) throw Error("unexpected end of string literal", start);
            char e = _src[_pos++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'v': sb.Append('\v'); break;
                case '\n': break;
                case 'x': sb.Append(ReadHexEscape(2, start)); break;
                case 'u': sb.Append(ReadHexEscape(4, start)); break;
                case 'U': sb.Append(ReadHexEscape(8, start)); break;
                case >= '0' and <= '7':
                {
                    int value = e - '0';
                    for (int k = 0; k < 2 && _pos < _src.Length && _src[_pos] >= '0' && _src[_pos] <= '7'; k++)
                        value = value * 8 + (_src[_pos++] - '0');
                    sb.Append((char)value);
                    break;
                }
                default: sb.Append('\\').Append(e); break;
            }
        }
        Add(TokenKind.String, sb.ToString(), start);
    }

    private string ReadHexEscape(int digits, int literalStart)
    {
        if (_pos + digits > _src.Length) throw Error("truncated escape in string literal", literalStart);
        if (!uint.TryParse(_src.AsSpan(_pos, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint cp))
            throw Error("invalid escape in string literal", literalStart);
        _pos += digits;
        // \uD83D is a lone surrogate, which Python keeps; beyond U+10FFFF there is no character.
        if (cp > 0x10FFFF) throw Error($"illegal Unicode character \\U{cp:x8} in string literal", literalStart);
        return cp is >= 0xD800 and <= 0xDFFF ? ((char)cp).ToString() : char.ConvertFromUtf32((int)cp);
    }

    /// <summary>
    /// <c>{% raw %}...{% endraw %}</c>: everything between is text. As in Jinja2, trim_blocks does not apply after
    /// <c>raw %}</c> (only <c>-%}</c> strips), while <c>{% endraw %}</c> gets the usual lstrip/trim/sign handling.
    /// </summary>
    private bool TryLexRaw(int tag, int after, out bool lineStarting)
    {
        lineStarting = false;
        int p = after;
        while (p < _src.Length && char.IsWhiteSpace(_src[p])) p++;
        if (string.CompareOrdinal(_src, p, "raw", 0, 3) != 0) return false;
        p += 3;
        while (p < _src.Length && char.IsWhiteSpace(_src[p])) p++;
        int bodyStart;
        bool bodyLineStarting;
        if (string.CompareOrdinal(_src, p, "-%}", 0, 3) == 0) bodyStart = ConsumeTagEnd(p + 1, 2, true, out bodyLineStarting);
        else if (string.CompareOrdinal(_src, p, "%}", 0, 2) == 0) { bodyStart = p + 2; bodyLineStarting = false; }
        else return false;

        for (int search = bodyStart; ; )
        {
            int open = _src.IndexOf("{%", search, StringComparison.Ordinal);
            if (open < 0) throw Error("Missing end of raw directive", tag);
            search = open + 2;
            int q = open + 2;
            char sign = q < _src.Length && _src[q] is '-' or '+' ? _src[q++] : '\0';
            while (q < _src.Length && char.IsWhiteSpace(_src[q])) q++;
            if (string.CompareOrdinal(_src, q, "endraw", 0, 6) != 0) continue;
            q += 6;
            while (q < _src.Length && char.IsWhiteSpace(_src[q])) q++;
            char endSign = q < _src.Length && _src[q] is '-' or '+' ? _src[q++] : '\0';
            if (string.CompareOrdinal(_src, q, "%}", 0, 2) != 0) continue;

            string body = _src[bodyStart..open];
            if (sign == '-') body = body.TrimEnd();
            else if (sign != '+')
            {
                int lpos = body.LastIndexOf('\n') + 1;
                if ((lpos > 0 || bodyLineStarting) && lpos < body.Length && IsAllWhitespace(body, lpos)) body = body[..lpos];
            }
            if (body.Length > 0) Add(TokenKind.Text, body, bodyStart);
            if (endSign == '+')
            {
                _pos = q + 2;
                lineStarting = false;
            }
            else _pos = ConsumeTagEnd(q, 2, endSign == '-', out lineStarting);
            return true;
        }
    }
}
