namespace Spindle.Constraints.Temporal;

/// <summary>
/// Parses LTLf text. Lowest to highest precedence: <c>&lt;-&gt;</c>, <c>-&gt;</c> (right-associative), <c>||</c>,
/// <c>&amp;&amp;</c>, the binary temporal operators <c>U R W</c> (right-associative), then the prefix operators
/// <c>! X WX N F G</c>. Atoms are step labels: <c>Answer</c>, <c>Action(search)</c>. Constants <c>true false</c>;
/// <c>last</c> is sugar for <c>WX false</c> (no step follows). Counting: <c>AtMost(n, φ)</c>, <c>AtLeast(n, φ)</c>,
/// <c>Exactly(n, φ)</c> (φ holds at ≤ n / ≥ n / exactly n steps). Also accepted: <c>&amp; | ~ =&gt; &lt;=&gt;</c>.
/// </summary>
public sealed class LtlParser
{
    /// <summary>Longest formula text accepted.</summary>
    public const int MaxLength = 10_000;

    /// <summary>Deepest nesting accepted (keeps recursion bounded).</summary>
    public const int MaxDepth = 200;

    /// <summary>Largest bound of a counting operator (each unit adds automaton states).</summary>
    public const int MaxCount = 32;

    private readonly string _text;
    private int _pos;
    private int _depth;

    private LtlParser(string text) => _text = text;

    public static LtlFormula Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxLength) throw new LtlSyntaxException(text[..80] + "…", 0, $"formula is {text.Length} characters; at most {MaxLength}");
        var parser = new LtlParser(text);
        parser.SkipSpace();
        if (parser.AtEnd) throw parser.Error("empty formula");
        var f = parser.ParseEquivalence();
        parser.SkipSpace();
        if (!parser.AtEnd) throw parser.Error($"unexpected '{parser.Rest()}' after a complete formula (missing operator?)");
        return f;
    }

    private bool AtEnd => _pos >= _text.Length;

    private LtlSyntaxException Error(string reason, int? at = null) => new(_text, at ?? _pos, reason);

    private string Rest()
    {
        int end = _pos;
        if (end < _text.Length && LtlLexer.IsIdentifierPart(_text[end])) while (end < _text.Length && LtlLexer.IsIdentifierPart(_text[end])) end++;
        else end++;
        return _text[_pos..Math.Min(end, _text.Length)];
    }

    private void SkipSpace()
    {
        while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos])) _pos++;
    }

    private bool TryEat(string symbol)
    {
        SkipSpace();
        if (string.CompareOrdinal(_text, _pos, symbol, 0, symbol.Length) != 0) return false;
        _pos += symbol.Length;
        return true;
    }

    private string? PeekWord()
    {
        SkipSpace();
        if (AtEnd || !LtlLexer.IsIdentifierStart(_text[_pos])) return null;
        int end = _pos;
        while (end < _text.Length && LtlLexer.IsIdentifierPart(_text[end])) end++;
        return _text[_pos..end];
    }

    private bool TryEatWord(string word)
    {
        if (PeekWord() != word) return false;
        _pos += word.Length;
        return true;
    }

    private void Enter()
    {
        if (++_depth > MaxDepth) throw Error($"formula nests deeper than {MaxDepth}");
    }

    private LtlFormula ParseEquivalence()
    {
        var left = ParseImplication();
        while (TryEat("<->") || TryEat("<=>")) left = LtlFormula.Binary(LtlKind.Equivalent, left, ParseImplication());
        return left;
    }

    private LtlFormula ParseImplication()
    {
        var left = ParseOr();
        if (!TryEat("->") && !TryEat("=>")) return left;
        Enter();
        var right = ParseImplication();
        _depth--;
        return LtlFormula.Binary(LtlKind.Implies, left, right);
    }

    private LtlFormula ParseOr()
    {
        var left = ParseAnd();
        while (TryEat("||") || TryEat("|")) left = LtlFormula.Binary(LtlKind.Or, left, ParseAnd());
        return left;
    }

    private LtlFormula ParseAnd()
    {
        var left = ParseTemporalBinary();
        while (TryEat("&&") || TryEat("&")) left = LtlFormula.Binary(LtlKind.And, left, ParseTemporalBinary());
        return left;
    }

    private LtlFormula ParseTemporalBinary()
    {
        var left = ParseUnary();
        LtlKind kind;
        if (TryEatWord("U")) kind = LtlKind.Until;
        else if (TryEatWord("R")) kind = LtlKind.Release;
        else if (TryEatWord("W")) kind = LtlKind.WeakUntil;
        else return left;
        Enter();
        var right = ParseTemporalBinary();
        _depth--;
        return LtlFormula.Binary(kind, left, right);
    }

    private LtlFormula ParseUnary()
    {
        SkipSpace();
        if (AtEnd) throw Error("formula ends where an operand was expected");
        Enter();
        try
        {
            if (TryEat("!") || TryEat("~")) return LtlFormula.Unary(LtlKind.Not, ParseUnary());
            string? word = PeekWord();
            LtlKind? prefix = word switch
            {
                "X" => LtlKind.Next,
                "WX" or "N" => LtlKind.WeakNext,
                "F" => LtlKind.Eventually,
                "G" => LtlKind.Always,
                _ => null,
            };
            if (prefix is { } k)
            {
                _pos += word!.Length;
                return LtlFormula.Unary(k, ParseUnary());
            }
            return ParsePrimary();
        }
        finally
        {
            _depth--;
        }
    }

    private LtlFormula ParsePrimary()
    {
        int start = _pos;
        if (TryEat("("))
        {
            var inner = ParseEquivalence();
            if (!TryEat(")")) throw Error(AtEnd ? $"missing ')' for the '(' at position {start + 1}" : $"expected ')' but found '{Rest()}'");
            return inner;
        }
        string? word = PeekWord();
        if (word is null) throw Error($"expected an atom, a constant, '(' or a prefix operator, but found '{Rest()}'");
        _pos += word.Length;
        switch (word)
        {
            case "true": return LtlFormula.True;
            case "false": return LtlFormula.False;
            case "last": return LtlFormula.Unary(LtlKind.WeakNext, LtlFormula.False);
            case "AtMost" or "AtLeast" or "Exactly": return ParseCounting(word, start);
            case "U" or "R" or "W": throw Error($"binary operator '{word}' needs a left operand", start);
        }
        string? argument = null;
        SkipSpace();
        if (!AtEnd && _text[_pos] == '(')
        {
            int open = _pos++;
            SkipSpace();
            int argStart = _pos;
            while (!AtEnd && LtlLexer.IsArgumentPart(_text[_pos])) _pos++;
            argument = _text[argStart.._pos];
            SkipSpace();
            if (argument.Length == 0) throw Error($"label '{word}(' needs an argument (letters, digits, '_', '-', '.', '/')");
            if (AtEnd || _text[_pos] != ')') throw Error(AtEnd ? $"missing ')' for the '(' at position {open + 1}" : $"unexpected '{_text[_pos]}' in the argument of label '{word}'");
            _pos++;
        }
        return LtlFormula.Atom(new StepLabel(word, argument));
    }

    private LtlFormula ParseCounting(string word, int start)
    {
        if (!TryEat("(")) throw Error($"'{word}' is written {word}(n, formula)", start);
        SkipSpace();
        int numberStart = _pos;
        while (!AtEnd && char.IsAsciiDigit(_text[_pos])) _pos++;
        if (_pos == numberStart) throw Error($"{word} needs a count (0..{MaxCount}) first");
        if (!int.TryParse(_text.AsSpan(numberStart, _pos - numberStart), out int count) || count > MaxCount)
            throw Error($"count {_text[numberStart.._pos]} is larger than {MaxCount}", numberStart);
        if (!TryEat(",")) throw Error($"expected ',' after the count of {word}");
        var operand = ParseEquivalence();
        if (!TryEat(")")) throw Error(AtEnd ? $"missing ')' for {word}( at position {start + 1}" : $"expected ')' but found '{Rest()}'");
        return word switch
        {
            "AtMost" => LtlFormula.Counting(LtlKind.AtMost, count, operand),
            "AtLeast" => LtlFormula.Counting(LtlKind.AtLeast, count, operand),
            _ => LtlFormula.Binary(LtlKind.And, LtlFormula.Counting(LtlKind.AtLeast, count, operand), LtlFormula.Counting(LtlKind.AtMost, count, operand)),
        };
    }
}
