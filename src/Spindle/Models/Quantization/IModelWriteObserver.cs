using Spindle.Gguf;
using Spindle.Tensors.Blocks;
namespace Spindle.Models.Quantization;

/// <summary>
/// Hears how a model file is being written (for progress bars). Calls come from the writing thread, one tensor after
/// another, never from the worker threads that quantize rows.
/// </summary>
public interface IModelWriteObserver
{
    /// <summary>Tensor <paramref name="index"/> of <paramref name="count"/> is about to be written as <paramref name="target"/>
    /// from data of <paramref name="sourceType"/>.</summary>
    void TensorStarted(int index, int count, GgufTensorDescriptor target, GgmlType sourceType);

    /// <summary>Elements written so far over the whole file, of <paramref name="totalElements"/>.</summary>
    void Progressed(long elementsDone, long totalElements);
}
