namespace Spindle.Decoding.EntropyAdaptive;

/// <summary>
/// One setting of an entropy-adaptive curve, pooled over its prompts: every ratio is a sum over the prompts divided by a
/// sum (tokens weigh equally, not prompts).
/// </summary>
/// <param name="Options">The setting.</param>
/// <param name="GeneratedTokens">Tokens generated over all prompts.</param>
/// <param name="LargeShare">Generated tokens the large model chose / generated tokens.</param>
/// <param name="Switches">Hand-overs over all prompts.</param>
/// <param name="ParameterWeightedCost">Σ evaluated tokens × parameters / the large-only run of the same outputs (see <see cref="EntropyAdaptiveReport.ParameterWeightedCost"/>).</param>
/// <param name="GenerationParameterCost">The same counting generated tokens only (see <see cref="EntropyAdaptiveReport.GenerationParameterCost"/>).</param>
/// <param name="TimeRatio">Σ wall time / Σ wall time of the large-only runs.</param>
/// <param name="Agreement">Equal positions / compared positions against the large-only outputs (each pair compared up to the shorter).</param>
/// <param name="MeanCommonPrefix">Mean over prompts of the common prefix with the large-only output.</param>
/// <param name="Perplexity">exp(Σ NLL / Σ tokens) of the outputs under the large model.</param>
/// <param name="ReferencePerplexity">The same for the large-only outputs.</param>
public sealed record EntropyAdaptiveCurvePoint(
    EntropyAdaptiveOptions Options, int GeneratedTokens, double LargeShare, int Switches, double ParameterWeightedCost,
    double GenerationParameterCost, double TimeRatio, double Agreement, double MeanCommonPrefix, double Perplexity, double ReferencePerplexity);
