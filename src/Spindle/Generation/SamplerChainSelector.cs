using Spindle.Sampling;

namespace Spindle.Generation;

/// <summary>Chooses tokens with a <see cref="SamplerChain"/>: the default selector.</summary>
public sealed class SamplerChainSelector(SamplerChain chain) : ITokenSelector
{
    public SamplerChain Chain { get; } = chain;

    public int Select(ReadOnlySpan<float> logits) => Chain.Sample(logits);

    public void Accept(int token) => Chain.Accept(token);
}
