using System.Globalization;

namespace Spindle.Agents;

/// <summary>
/// A built-in tool that evaluates arithmetic: numbers, + − * / %, ^ (power), unary minus and parentheses. Bad input
/// gives an "error: …" observation (never an exception): a model's argument is untrusted text.
/// </summary>
public static class CalculatorTool
{
    private const int MaxDepth = 64;

    public static AgentTool Create() => new("calc", "evaluates arithmetic, e.g. calc[(2+3)*4]",
        (argument, _) => ValueTask.FromResult(Evaluate(argument)));

    public static string Evaluate(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var parser = new Parser(expression);
        if (!parser.TryParse(out double value, out string error)) return "error: " + error;
        return double.IsFinite(value) ? value.ToString("G15", CultureInfo.InvariantCulture) : "error: the result is not a finite number";
    }

    private sealed class Parser(string text)
    {
        private int _pos;
        private int _depth;
        private string? _error;

        public bool TryParse(out double value, out string error)
        {
            value = Sum();
            Skip();
            if (_error is null && _pos < text.Length) _error = $"unexpected '{text[_pos]}' at position {_pos + 1}";
            if (_error is null && text.Trim().Length == 0) _error = "empty expression";
            error = _error ?? "";
            return _error is null;
        }

        private void Skip()
        {
            while (_pos < text.Length && text[_pos] == ' ') _pos++;
        }

        private bool Eat(char c)
        {
            Skip();
            if (_pos < text.Length && text[_pos] == c) { _pos++; return true; }
            return false;
        }

        private double Sum()
        {
            double v = Product();
            while (_error is null)
            {
                if (Eat('+')) v += Product();
                else if (Eat('-')) v -= Product();
                else break;
            }
            return v;
        }

        private double Product()
        {
            double v = Power();
            while (_error is null)
            {
                if (Eat('*')) v *= Power();
                else if (Eat('/')) v /= Power();
                else if (Eat('%')) v %= Power();
                else break;
            }
            return v;
        }

        private double Power()
        {
            double b = Unary();
            if (_error is null && Eat('^'))
            {
                if (++_depth > MaxDepth) { _error ??= "expression nests too deeply"; return 0; }
                double exponent = Power();
                _depth--;
                return Math.Pow(b, exponent);
            }
            return b;
        }

        private double Unary()
        {
            if (++_depth > MaxDepth) { _error ??= "expression nests too deeply"; return 0; }
            try
            {
                if (Eat('-')) return -Unary();
                if (Eat('+')) return Unary();
                if (Eat('('))
                {
                    double v = Sum();
                    if (!Eat(')')) _error ??= $"missing ')' at position {_pos + 1}";
                    return v;
                }
                Skip();
                int start = _pos;
                while (_pos < text.Length && (char.IsAsciiDigit(text[_pos]) || text[_pos] == '.')) _pos++;
                if (_pos == start || !double.TryParse(text.AsSpan(start, _pos - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double n))
                {
                    _error ??= _pos < text.Length ? $"expected a number at position {start + 1}" : "expression ends where a number was expected";
                    return 0;
                }
                return n;
            }
            finally
            {
                _depth--;
            }
        }
    }
}
