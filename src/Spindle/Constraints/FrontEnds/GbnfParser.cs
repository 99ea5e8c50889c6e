using System.Globalization;
using Spindle.Constraints.Lexing;

namespace Spindle.Constraints.FrontEnds;

/// <summary>
/// Reads llama.cpp's GBNF: rules `name ::= alternatives`, names of letters, digits and '-', "literals" and [classes]
/// with escapes (\n \r \t \\ \" \[ \] \xHH \uHHHH \UHHHHHHHH), '.', ( groups ), | * + ? {m} {m,} {m,n}, '#' comments.
/// As in llama.cpp, a rule ends at a newline outside parentheses; newlines are allowed after '::=', after '|' and
/// inside parentheses. Errors are <see cref="GrammarException"/>s with line and column.
/// </summary>
internal sealed class GbnfParser
{
    public const int MaxRepeatCount = 10_000;
    public const int MaxNestingDepth = 200;

    private readonly string _text;
    private int _pos;
    private int _depth;

    private GbnfParser(string text) => _text = text;

    public static List<(string Name, int Offset, GbnfExpression Body)> Parse(string text)
    {
        var parser = new GbnfParser(text);
        var rules = new List<(string, int, GbnfExpression)>();
        parser.SkipSpace(newlineOk: true);
        while (!parser.AtEnd) rules.Add(parser.ParseRule());
        return rules;
    }

    public static (int Line, int Column) LineColumn(string text, int offset)
    {
        int line = 1, column = 1;
        for (int i = 0; i < offset && i < text.Length; i++)
        {
            if (text[i] == '\n') { line++; column = 1; }
            else column++;
        }
        return (line, column);
    }

    private GrammarException Error(string message, int? offset = null)
    {
        var (line, column) = LineColumn(_text, offset ?? _pos);
        return new GrammarException($"GBNF: {message}", line, column);
    }

    private bool AtEnd => _pos >= _text.Length;
    private char Current => _text[_pos];

    private static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_';

    private void SkipSpace(bool newlineOk)
    {
        while (!AtEnd)
        {
            char c = Current;
            if (c is ' ' or '\t' || (newlineOk && c is '\r' or '\n')) _pos++;
            else if (c == '#')
            {
                while (!AtEnd && Current is not ('\r' or '\n')) _pos++;
            }
            else break;
        }
    }

    private string ParseName()
    {
        int start = _pos;
        while (!AtEnd && IsWordChar(Current)) _pos++;
        if (_pos == start) throw Error("expecting a rule name");
        return _text[start.._pos];
    }

    private (string, int, GbnfExpression) ParseRule()
    {
        int offset = _pos;
        string name = ParseName();
        SkipSpace(newlineOk: false);
        if (!_text.AsSpan(_pos).StartsWith("::=")) throw Error($"expecting '::=' after rule name '{name}'");
        _pos += 3;
        SkipSpace(newlineOk: true);
        var body = ParseAlternatives(nested: false);
        if (!AtEnd)
        {
            if (Current == '\r') _pos++;
            if (!AtEnd && Current == '\n') _pos++;
            else if (!AtEnd) throw Error($"unexpected '{Current}'");
        }
        SkipSpace(newlineOk: true);
        return (name, offset, body);
    }

    private GbnfExpression ParseAlternatives(bool nested)
    {
        int offset = _pos;
        var alternatives = new List<GbnfExpression> { ParseSequence(nested) };
        while (!AtEnd && Current == '|')
        {
            _pos++;
            SkipSpace(newlineOk: true);
            alternatives.Add(ParseSequence(nested));
        }
        return alternatives.Count == 1 ? alternatives[0] : new GbnfAlternation(offset, alternatives);
    }

    private GbnfExpression ParseSequence(bool nested)
    {
        int offset = _pos;
        var items = new List<GbnfExpression>();
        while (!AtEnd)
        {
            char c = Current;
            int itemOffset = _pos;
            if (c == '"')
            {
                _pos++;
                items.Add(new GbnfTerminal(itemOffset, ParseLiteral()));
            }
            else if (c == '[')
            {
                _pos++;
                items.Add(new GbnfTerminal(itemOffset, new RegexCharSet(ParseClass())));
            }
            else if (c == '.')
            {
                _pos++;
                items.Add(new GbnfTerminal(itemOffset, new RegexCharSet(CodePointSet.All)));
            }
            else if (IsWordChar(c))
            {
                items.Add(new GbnfRuleReference(itemOffset, ParseName()));
            }
            else if (c == '(')
            {
                _pos++;
                if (++_depth > MaxNestingDepth) throw Error($"parentheses nested deeper than {MaxNestingDepth}");
                SkipSpace(newlineOk: true);
                var inner = ParseAlternatives(nested: true);
                if (AtEnd || Current != ')') throw Error("expecting ')'");
                _pos++;
                _depth--;
                items.Add(inner);
            }
            else if (c is '*' or '+' or '?' or '{')
            {
                if (items.Count == 0) throw Error($"'{c}' has nothing to repeat");
                int min, max;
                if (c == '{') (min, max) = ParseBraces();
                else
                {
                    _pos++;
                    (min, max) = c switch { '*' => (0, -1), '+' => (1, -1), _ => (0, 1) };
                }
                items[^1] = new GbnfRepeat(itemOffset, items[^1], min, max);
            }
            else break;
            SkipSpace(nested);
        }
        return items.Count == 1 ? items[0] : new GbnfSequence(offset, items);
    }

    private (int, int) ParseBraces()
    {
        _pos++; // '{'
        SkipSpace(newlineOk: false);
        int min = ParseInt();
        SkipSpace(newlineOk: false);
        int max = min;
        if (!AtEnd && Current == ',')
        {
            _pos++;
            SkipSpace(newlineOk: false);
            max = !AtEnd && char.IsAsciiDigit(Current) ? ParseInt() : -1;
            SkipSpace(newlineOk: false);
        }
        if (AtEnd || Current != '}') throw Error("expecting '}' to close the repetition");
        _pos++;
        if (max >= 0 && max < min) throw Error($"repetition {{{min},{max}}} has max < min");
        return (min, max);
    }

    private int ParseInt()
    {
        int start = _pos;
        long value = 0;
        while (!AtEnd && char.IsAsciiDigit(Current))
        {
            value = value * 10 + (Current - '0');
            if (value > MaxRepeatCount) throw Error($"repetition count exceeds {MaxRepeatCount}", start);
            _pos++;
        }
        if (_pos == start) throw Error("expecting a number");
        return (int)value;
    }

    private RegexNode ParseLiteral()
    {
        var items = new List<RegexNode>();
        while (true)
        {
            if (AtEnd) throw Error("unterminated string literal");
            if (Current == '"') { _pos++; break; }
            items.Add(new RegexCharSet(CodePointSet.Single(ReadChar())));
        }
        return RegexNode.Concat(items);
    }

    private CodePointSet ParseClass()
    {
        bool negate = !AtEnd && Current == '^';
        if (negate) _pos++;
        var ranges = new List<(int, int)>();
        while (true)
        {
            if (AtEnd) throw Error("unterminated character class");
            if (Current == ']') { _pos++; break; }
            int low = ReadChar();
            int high = low;
            if (_pos + 1 < _text.Length && Current == '-' && _text[_pos + 1] != ']')
            {
                _pos++;
                high = ReadChar();
                if (high < low) throw Error("character range out of order");
            }
            ranges.Add((low, high));
        }
        var set = CodePointSet.FromRanges(ranges);
        return negate ? set.Negate() : set;
    }

    /// <summary>One code point of a literal or class, with escapes decoded.</summary>
    private int ReadChar()
    {
        char c = Current;
        if (c != '\\')
        {
            _pos++;
            if (char.IsHighSurrogate(c) && !AtEnd && char.IsLowSurrogate(Current)) return char.ConvertToUtf32(c, _text[_pos++]);
            return c;
        }
        int escapeOffset = _pos;
        _pos++;
        if (AtEnd) throw Error("unterminated escape");
        char e = _text[_pos++];
        switch (e)
        {
            case 'n': return '\n';
            case 'r': return '\r';
            case 't': return '\t';
            case '\\' or '"' or '[' or ']' or '-' or '^': return e;
            case 'x': return ReadHex(2, escapeOffset);
            case 'u': return ReadHex(4, escapeOffset);
            case 'U': return ReadHex(8, escapeOffset);
            default: throw Error($"unknown escape '\\{e}'", escapeOffset);
        }
    }

    private int ReadHex(int digits, int escapeOffset)
    {
        if (_pos + digits > _text.Length
            || !int.TryParse(_text.AsSpan(_pos, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int v))
            throw Error($"expecting {digits} hex digits", escapeOffset);
        _pos += digits;
        if (v > CodePointSet.MaxCodePoint) throw Error("code point out of range", escapeOffset);
        return v;
    }
}
