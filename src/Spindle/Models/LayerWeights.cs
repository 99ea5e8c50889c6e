using Spindle.Tensors.Kernels;

namespace Spindle.Models;

/// <summary>
/// One transformer block's tensors, bound in place. Q/K/V are either three matrices or one fused matrix (Phi-3);
/// gate and up are either two matrices or one fused <see cref="Up"/> of 2 × n_ff rows, gate first (Phi-3).
/// </summary>
public sealed class LayerWeights
{
    public required WeightVector AttentionNorm { get; init; }
    public WeightMatrix? Query { get; init; }
    public WeightMatrix? Key { get; init; }
    public WeightMatrix? Value { get; init; }
    /// <summary>Rows: query, then key, then value outputs.</summary>
    public WeightMatrix? FusedQkv { get; init; }
    public WeightVector? QueryBias { get; init; }
    public WeightVector? KeyBias { get; init; }
    public WeightVector? ValueBias { get; init; }
    public required WeightMatrix AttentionOutput { get; init; }
    public required WeightVector FeedForwardNorm { get; init; }
    /// <summary>Null when <see cref="Up"/> holds gate and up together.</summary>
    public WeightMatrix? Gate { get; init; }
    public required WeightMatrix Up { get; init; }
    public required WeightMatrix Down { get; init; }
}
