using Spindle.Decoding.Speculative;

namespace Spindle.Generation;

/// <summary>Counts and timings of one generation, carried by its last chunk.</summary>
/// <param name="PromptTokens">Tokens of the prompt.</param>
/// <param name="CachedPromptTokens">Prompt tokens whose keys and values were reused from the previous call's cache.</param>
/// <param name="GeneratedTokens">Tokens sampled (an end-of-generation token counts; a cancelled step does not).</param>
/// <param name="PrefillTime">Time to evaluate the uncached part of the prompt.</param>
/// <param name="DecodeTime">Time spent after the prefill: forward passes, sampling and decoding of the output.</param>
/// <param name="SamplingTime">The part of <paramref name="DecodeTime"/> (and prefill) spent in the sampler chain and logprobs.</param>
public sealed record GenerationUsage(
    int PromptTokens, int CachedPromptTokens, int GeneratedTokens,
    TimeSpan PrefillTime, TimeSpan DecodeTime, TimeSpan SamplingTime)
{
    /// <summary>Drafting and acceptance figures when the generation was speculative.</summary>
    public SpeculationStats? Speculation { get; init; }

    public double PrefillTokensPerSecond => Rate(PromptTokens - CachedPromptTokens, PrefillTime);

    public double DecodeTokensPerSecond => Rate(GeneratedTokens, DecodeTime);

    private static double Rate(int tokens, TimeSpan time) => time > TimeSpan.Zero ? tokens / time.TotalSeconds : 0;
}
