using System.Globalization;

namespace Spindle.Constraints.Lexing;

/// <summary>
/// Parses the ECMAScript-style regex dialect used for lexemes: literals, escapes (\d \D \w \W \s \S \n \r \t \f \v \0
/// \xHH \uXXXX \u{X..}), classes [...] with ranges and negation, '.', groups ( ) (?: ) (?&lt;name&gt; ), alternation,
/// quantifiers * + ? {m} {m,} {m,n} (a trailing lazy '?' is accepted and ignored: a lexeme must match whole, so laziness
/// does not change the language). '^' at the start and '$' at the end are accepted and ignored, as a lexeme is anchored at
/// both ends. Lookaround, backreferences and word boundaries are rejected with a <see cref="GrammarException"/>.
/// </summary>
public sealed class RegexParser
{
    /// <summary>Largest repetition bound accepted in {m,n}.</summary>
    public const int MaxRepeatCount = 100_000;

    /// <summary>Deepest group nesting accepted (keeps the recursive parser off the stack limit).</summary>
    public const int MaxNestingDepth = 500;

    private static readonly CodePointSet Digits = CodePointSet.Range('0', '9');
    private static readonly CodePointSet WordChars = CodePointSet.FromRanges([('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')]);
    private static readonly CodePointSet Spaces = CodePointSet.FromRanges([
        (0x09, 0x0D), (0x20, 0x20), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A), (0x2028, 0x2029),
        (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000), (0xFEFF, 0xFEFF)]);
    private static readonly CodePointSet DotSet = CodePointSet.FromRanges([('\n', '\n'), ('\r', '\r'), (0x2028, 0x2029)]).Negate();

    private readonly string _pattern;
    private int _pos;
    private int _depth;

    private RegexParser(string pattern) => _pattern = pattern;

    public static RegexNode Parse(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var parser = new RegexParser(pattern);
        RegexNode node;
        try
        {
            node = parser.ParseAlternation(topLevel: true);
        }
        catch (GrammarException e) when (e.Line == 0)
        {
            throw parser.Error(e.Message); // a size limit from RegexNode: say where the parser was
        }
        if (parser._pos < pattern.Length) throw parser.Error("unmatched ')'");
        return node;
    }

    private GrammarException Error(string message, int? position = null) => new($"regex: {message}", 1, (position ?? _pos) + 1);

    private bool AtEnd => _pos >= _pattern.Length;
    private bool Peek(char c) => _pos < _pattern.Length && _pattern[_pos] == c;

    private RegexNode ParseAlternation(bool topLevel)
    {
        var alternatives = new List<RegexNode> { ParseConcat(topLevel) };
        while (Peek('|'))
        {
            _pos++;
            alternatives.Add(ParseConcat(topLevel));
        }
        return RegexNode.Alternate(alternatives);
    }

    private RegexNode ParseConcat(bool topLevel)
    {
        var items = new List<RegexNode>();
        if (topLevel && Peek('^')) _pos++; // a lexeme is anchored anyway
        while (!AtEnd && !Peek('|') && !Peek(')'))
        {
            if (Peek('$') && topLevel && (_pos + 1 == _pattern.Length || _pattern[_pos + 1] == '|'))
            {
                _pos++;
                continue;
            }
            var atom = ParseAtom();
            items.Add(ParseQuantifiers(atom));
        }
        return RegexNode.Concat(items);
    }

    private RegexNode ParseQuantifiers(RegexNode atom)
    {
        while (!AtEnd)
        {
            int min, max, start = _pos;
            char c = _pattern[_pos];
            if (c == '*') { min = 0; max = -1; _pos++; }
            else if (c == '+') { min = 1; max = -1; _pos++; }
            else if (c == '?') { min = 0; max = 1; _pos++; }
            else if (c == '{' && TryParseBraces(out min, out max)) { }
            else break;
            if (Peek('?')) _pos++;
            if (RegexRepeat.Count(atom.StateCount, min, max) > RegexNode.MaxStateCount)
                throw Error($"repetition {{{min},{(max < 0 ? "" : max)}}} of a part of {atom.StateCount} states needs more than " +
                    $"{RegexNode.MaxStateCount:N0} lexer automaton states", start);
            atom = RegexNode.Repeat(atom, min, max);
        }
        return atom;
    }

    private bool TryParseBraces(out int min, out int max)
    {
        int start = _pos;
        min = max = 0;
        _pos++;
        if (!TryParseInt(out min)) { _pos = start; return false; }
        if (Peek('}')) { _pos++; max = min; }
        else if (Peek(','))
        {
            _pos++;
            if (Peek('}')) { _pos++; max = -1; }
            else if (TryParseInt(out max) && Peek('}')) _pos++;
            else { _pos = start; return false; }
        }
        else { _pos = start; return false; }
        if (max >= 0 && max < min) throw Error($"repetition {{{min},{max}}} has max < min", start);
        return true;
    }

    private bool TryParseInt(out int value)
    {
        int start = _pos;
        long v = 0;
        while (!AtEnd && char.IsAsciiDigit(_pattern[_pos]))
        {
            v = v * 10 + (_pattern[_pos] - '0');
            if (v > MaxRepeatCount) throw Error($"repetition count exceeds {MaxRepeatCount}");
            _pos++;
        }
        value = (int)v;
        return _pos > start;
    }

    private RegexNode ParseAtom()
    {
        char c = _pattern[_pos];
        switch (c)
        {
            case '(':
                _pos++;
                if (++_depth > MaxNestingDepth) throw Error($"groups nested deeper than {MaxNestingDepth}");
                if (Peek('?'))
                {
                    _pos++;
                    if (Peek(':')) _pos++;
                    else if (Peek('<') && _pos + 1 < _pattern.Length && _pattern[_pos + 1] is not ('=' or '!'))
                    {
                        int close = _pattern.IndexOf('>', _pos);
                        if (close < 0) throw Error("unterminated group name");
                        _pos = close + 1;
                    }
                    else throw Error("lookaround and inline flags are not supported");
                }
                var inner = ParseAlternation(topLevel: false);
                if (!Peek(')')) throw Error("missing ')'");
                _pos++;
                _depth--;
                return inner;
            case '[':
                return new RegexCharSet(ParseClass());
            case '.':
                _pos++;
                return new RegexCharSet(DotSet);
            case '\\':
                return new RegexCharSet(ParseEscape(inClass: false));
            case '*' or '+' or '?':
                throw Error($"nothing to repeat before '{c}'");
            case '^' or '$':
                throw Error($"anchor '{c}' is only supported at the start/end of the pattern");
            default:
                return new RegexCharSet(CodePointSet.Single(ReadCodePoint()));
        }
    }

    private int ReadCodePoint()
    {
        char c = _pattern[_pos++];
        if (char.IsHighSurrogate(c) && _pos < _pattern.Length && char.IsLowSurrogate(_pattern[_pos]))
            return char.ConvertToUtf32(c, _pattern[_pos++]);
        return c;
    }

    private CodePointSet ParseClass()
    {
        _pos++; // '['
        bool negate = Peek('^');
        if (negate) _pos++;
        var ranges = new List<(int, int)>();
        while (true)
        {
            if (AtEnd) throw Error("missing ']'");
            if (Peek(']')) { _pos++; break; } // so "[]" is the empty class and "[^]" any character, as in ECMAScript
            var lowSet = ParseClassAtom(out int low);
            if (lowSet == null && Peek('-') && _pos + 1 < _pattern.Length && _pattern[_pos + 1] != ']')
            {
                _pos++;
                var highSet = ParseClassAtom(out int high);
                if (highSet != null) throw Error("class escape cannot end a range");
                if (high < low) throw Error("character range out of order");
                ranges.Add((low, high));
            }
            else if (lowSet != null) ranges.AddRange(lowSet.Ranges.ToArray());
            else ranges.Add((low, low));
        }
        var set = CodePointSet.FromRanges(ranges);
        return negate ? set.Negate() : set;
    }

    /// <summary>One class member: a code point (set null) or a class escape such as \d (set returned).</summary>
    private CodePointSet? ParseClassAtom(out int codePoint)
    {
        codePoint = 0;
        if (Peek('\\'))
        {
            bool classEscape = _pos + 1 < _pattern.Length && IsClassEscape(_pattern[_pos + 1]);
            var set = ParseEscape(inClass: true);
            if (!classEscape)
            {
                codePoint = set.Ranges[0].Low;
                return null;
            }
            return set;
        }
        codePoint = ReadCodePoint();
        return null;
    }

    private static bool IsClassEscape(char c) => c is 'd' or 'D' or 'w' or 'W' or 's' or 'S';

    private CodePointSet ParseEscape(bool inClass)
    {
        _pos++; // '\'
        if (AtEnd) throw Error("pattern ends with '\\'");
        char c = _pattern[_pos++];
        switch (c)
        {
            case 'd': return Digits;
            case 'D': return Digits.Negate();
            case 'w': return WordChars;
            case 'W': return WordChars.Negate();
            case 's': return Spaces;
            case 'S': return Spaces.Negate();
            case 'n': return CodePointSet.Single('\n');
            case 'r': return CodePointSet.Single('\r');
            case 't': return CodePointSet.Single('\t');
            case 'f': return CodePointSet.Single('\f');
            case 'v': return CodePointSet.Single('\v');
            case '0' when AtEnd || !char.IsAsciiDigit(_pattern[_pos]): return CodePointSet.Single(0);
            case 'b' when inClass: return CodePointSet.Single('\b');
            case 'b' or 'B': throw Error("word boundaries are not supported");
            case 'x': return CodePointSet.Single(ReadHex(2));
            case 'u':
                if (Peek('{'))
                {
                    _pos++;
                    int end = _pattern.IndexOf('}', _pos);
                    if (end < 0 || end == _pos || end - _pos > 6) throw Error("bad \\u{...} escape");
                    int cp = ParseHex(_pattern.AsSpan(_pos, end - _pos));
                    _pos = end + 1;
                    if (cp > CodePointSet.MaxCodePoint) throw Error("code point out of range");
                    return CodePointSet.Single(cp);
                }
                int unit = ReadHex(4);
                if (char.IsHighSurrogate((char)unit) && _pos + 5 < _pattern.Length + 0 && _pattern[_pos] == '\\' && _pattern[_pos + 1] == 'u')
                {
                    int save = _pos;
                    _pos += 2;
                    int low = ReadHex(4);
                    if (char.IsLowSurrogate((char)low)) return CodePointSet.Single(char.ConvertToUtf32((char)unit, (char)low));
                    _pos = save;
                }
                return CodePointSet.Single(unit);
            case >= '1' and <= '9': throw Error("backreferences are not supported");
            default:
                if (char.IsAsciiLetterOrDigit(c)) throw Error($"unknown escape '\\{c}'");
                _pos--;
                return CodePointSet.Single(ReadCodePoint());
        }
    }

    private int ReadHex(int digits)
    {
        if (_pos + digits > _pattern.Length) throw Error("truncated hex escape");
        int v = ParseHex(_pattern.AsSpan(_pos, digits));
        _pos += digits;
        return v;
    }

    private int ParseHex(ReadOnlySpan<char> digits)
    {
        if (!int.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int v))
            throw Error($"bad hex digits '{digits}'");
        return v;
    }
}
