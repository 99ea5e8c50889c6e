using Spindle.Models;

namespace Spindle.Decoding.EntropyAdaptive;

/// <summary>
/// A model's parameter count: the elements of every tensor in its file, as <c>spindle bench</c> counts them. A tied
/// embedding counts once although it also serves as the LM head, so for cost ratios this slightly under-weights models
/// whose vocabulary dominates their size.
/// </summary>
internal static class ModelParameters
{
    public static long Count(Model model)
    {
        long total = 0;
        foreach (var tensor in model.File.Tensors) total += tensor.ElementCount;
        return total;
    }
}
