namespace Spindle.Generation;

/// <summary>
/// Chooses each next token from the model's logits. The default is <see cref="SamplerChainSelector"/>; other
/// strategies plug in through <see cref="GenerationOptions.SelectorFactory"/>.
/// </summary>
public interface ITokenSelector
{
    /// <summary>Picks the next token; <paramref name="logits"/> are the raw logits and must not be modified.</summary>
    int Select(ReadOnlySpan<float> logits);

    /// <summary>Records a token that is now part of the sequence (prompt tokens included), e.g. for penalties.</summary>
    void Accept(int token);
}
