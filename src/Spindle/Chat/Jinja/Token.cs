namespace Spindle.Chat.Jinja;

internal enum TokenKind
{
    Text,
    VariableBegin,
    VariableEnd,
    BlockBegin,
    BlockEnd,
    Name,
    String,
    Integer,
    Float,
    Operator,
    Eof,
}

/// <summary>One lexeme. <see cref="Text"/> holds the text data, the name, the decoded string literal or the operator.</summary>
internal readonly record struct Token(TokenKind Kind, string Text, int Line, int Column, long IntValue = 0, double FloatValue = 0)
{
    public bool Is(TokenKind kind, string text) => Kind == kind && Text == text;
    public bool IsOperator(string op) => Kind == TokenKind.Operator && Text == op;
    public bool IsName(string name) => Kind == TokenKind.Name && Text == name;

    public string Describe() => Kind switch
    {
        TokenKind.Eof => "end of template",
        TokenKind.VariableEnd => "end of print statement",
        TokenKind.BlockEnd => "end of statement block",
        TokenKind.Text => "template data",
        _ => $"'{Text}'",
    };
}
