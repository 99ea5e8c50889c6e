namespace Spindle.Generation;

/// <summary>The outcome of <see cref="PerplexityEvaluator.Evaluate"/>.</summary>
/// <param name="Perplexity">exp(mean negative log-likelihood) over every scored token.</param>
/// <param name="ChunkPerplexities">Running perplexity after each chunk, as llama-perplexity prints it ([1]5.12,[2]…).</param>
public sealed record PerplexityResult(double Perplexity, double MeanNegativeLogLikelihood, int ChunkCount, int ScoredTokens,
    IReadOnlyList<double> ChunkPerplexities);
