namespace Spindle.Tokenization;

/// <summary>
/// A piece of the input after special tokens are split out: either raw text (a range of the input string) or one
/// special token. See <see cref="SpecialTokenPartitioner"/>.
/// </summary>
public readonly record struct TextFragment(int Start, int Length, int TokenId)
{
    public bool IsToken => TokenId >= 0;

    public static TextFragment Text(int start, int length) => new(start, length, -1);

    public static TextFragment Token(int id) => new(0, 0, id);
}
