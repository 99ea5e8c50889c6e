using Spindle.Generation;

namespace Spindle.Decoding.EntropyAdaptive;

/// <summary>
/// What one entropy-adaptive run did and what it cost.
/// </summary>
/// <param name="PromptTokens">Tokens of the prompt.</param>
/// <param name="Tokens">The generated tokens in order (an end-of-generation token included, as it is a chunk's token).</param>
/// <param name="FromLarge">Per generated token: whether the large model's distribution chose it.</param>
/// <param name="Switches">Hand-overs between the models, either way.</param>
/// <param name="SmallEvaluatedTokens">Tokens the small model ran through its forward pass, catch-up prefills included.</param>
/// <param name="LargeEvaluatedTokens">Tokens the large model ran through its forward pass, catch-up prefills included.</param>
/// <param name="SmallParameters">The small model's parameter count (elements of its tensors).</param>
/// <param name="LargeParameters">The large model's parameter count.</param>
/// <param name="Elapsed">Wall time of the run, from its first forward pass to its last chunk.</param>
/// <param name="FinishReason">Why it ended, as the last chunk says.</param>
public sealed record EntropyAdaptiveReport(
    int PromptTokens, IReadOnlyList<int> Tokens, IReadOnlyList<bool> FromLarge, int Switches,
    long SmallEvaluatedTokens, long LargeEvaluatedTokens, long SmallParameters, long LargeParameters,
    TimeSpan Elapsed, FinishReason FinishReason)
{
    public int GeneratedTokens => Tokens.Count;

    /// <summary>Generated tokens the large model chose.</summary>
    public int LargeTokens
    {
        get
        {
            int n = 0;
            foreach (bool large in FromLarge) if (large) n++;
            return n;
        }
    }

    /// <summary>Fraction of the generated tokens the large model chose (0 when nothing was generated).</summary>
    public double LargeShare => GeneratedTokens == 0 ? 0 : (double)LargeTokens / GeneratedTokens;

    /// <summary>
    /// Tokens a large-only run of the same output evaluates: the prompt and every generated token but the last, which
    /// ends the run without being fed back.
    /// </summary>
    public long ReferenceEvaluatedTokens => PromptTokens + Math.Max(GeneratedTokens - 1, 0);

    /// <summary>
    /// Σ over every evaluated token (both models, catch-up included) of the evaluating model's parameter count, divided by
    /// what a large-only run of the same output costs (<see cref="ReferenceEvaluatedTokens"/> × large parameters): 1 for
    /// large-only, small/large for small-only, and above the large share times 1 by the small model's work and the
    /// catch-ups. A proxy for FLOPs (≈ 2 × parameters per token); attention over the context is not counted.
    /// </summary>
    /// <summary>
    /// The paper's accounting: Σ over generated tokens of the choosing model's parameters / (generated tokens × large
    /// parameters), i.e. small/large + share × (1 − small/large). It ignores the prompt and the catch-up prefills, which
    /// batch many tokens per pass and so cost far less time per token than decode steps, but not fewer parameters.
    /// </summary>
    public double GenerationParameterCost =>
        GeneratedTokens == 0 ? 0
            : ((double)(GeneratedTokens - LargeTokens) * SmallParameters + (double)LargeTokens * LargeParameters)
              / ((double)GeneratedTokens * LargeParameters);

    public double ParameterWeightedCost =>
        ReferenceEvaluatedTokens == 0 ? 0
            : ((double)SmallEvaluatedTokens * SmallParameters + (double)LargeEvaluatedTokens * LargeParameters)
              / ((double)ReferenceEvaluatedTokens * LargeParameters);
}
