using System.Text;

namespace Spindle.Chat.Jinja;

/// <summary>
/// Where statements write: the rendered output (bounded by <see cref="ChatTemplateLimits.MaxOutputLength"/>) or the
/// text a macro call, <c>set</c> block or <c>filter</c> block captures (a string being built, so bounded by
/// <see cref="ChatTemplateLimits.MaxStringLength"/>). The limit is checked before each append.
/// </summary>
internal sealed class OutputBuffer(RenderBudget budget, bool capture)
{
    private readonly StringBuilder _text = new();

    public void Append(string s)
    {
        if (s.Length == 0) return;
        budget.Output(_text.Length + (long)s.Length, s.Length, capture);
        _text.Append(s);
    }

    public override string ToString() => _text.ToString();
}
