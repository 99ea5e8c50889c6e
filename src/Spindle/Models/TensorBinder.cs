using Spindle.Gguf;
using Spindle.Tensors.Blocks;
using Spindle.Tensors.Kernels;
namespace Spindle.Models;

/// <summary>Looks up tensors by name and checks presence, shape and type before binding them in place.</summary>
internal sealed unsafe class TensorBinder(GgufFile file)
{
    /// <param name="interleave">Let the kernel keep its own interleaved copy when it has a layout for it (matrices that
    /// are multiplied); a matrix only looked up row by row (an untied embedding) stays in the file, where only the
    /// rows read become resident.</param>
    public WeightMatrix Matrix(string name, int rowLength, int rowCount, bool interleave = true) =>
        OptionalMatrix(name, rowLength, rowCount, interleave) ?? throw Missing(name);

    public WeightMatrix? OptionalMatrix(string name, int rowLength, int rowCount, bool interleave = true)
    {
        var t = file.FindTensor(name);
        if (t is null) return null;
        CheckShape(t, [rowLength, rowCount]);
        CheckType(t);
        if (GgmlTypeInfo.BlockSize(t.Type) > 1 && rowLength % GgmlTypeInfo.BlockSize(t.Type) != 0)
            throw new ModelFormatException(
                $"tensor '{name}': rows of {rowLength} elements are not whole {GgmlTypeInfo.Name(t.Type)} blocks of {GgmlTypeInfo.BlockSize(t.Type)}");
        try
        {
            // Kernels with an interleaved layout get their copy now, and the file's pages go: the copy replaces them.
            var matrix = new WeightMatrix(name, file.GetTensorPointer(t), t.ByteLength, t.Type, rowCount, rowLength, interleave);
            if (matrix.IsInterleaved) file.ReleaseTensorPages(t);
            return matrix;
        }
        catch (ArgumentException e)
        {
            throw new ModelFormatException(e.Message);
        }
    }

    public WeightVector Vector(string name, int length) => OptionalVector(name, length) ?? throw Missing(name);

    public WeightVector? OptionalVector(string name, int length)
    {
        var t = file.FindTensor(name);
        if (t is null) return null;
        CheckShape(t, [length]);
        if (t.Type != GgmlType.F32) CheckType(t);
        try
        {
            return new WeightVector(name, file.GetTensorPointer(t), t.ByteLength, t.Type, length);
        }
        catch (ArgumentException e)
        {
            throw new ModelFormatException(e.Message);
        }
    }

    private static ModelFormatException Missing(string name) => new($"missing tensor '{name}'");

    private static void CheckShape(GgufTensorInfo t, long[] expected)
    {
        // Trailing dimensions of 1 are the same shape to ggml.
        int n = t.Dimensions.Length;
        while (n > expected.Length && t.Dimensions[n - 1] == 1) n--;
        bool same = n == expected.Length;
        for (int i = 0; same && i < n; i++) same = t.Dimensions[i] == expected[i];
        if (!same)
            throw new ModelFormatException($"tensor '{t.Name}' has shape {t.ShapeText}, expected [{string.Join(", ", expected)}]");
    }

    private static void CheckType(GgufTensorInfo t)
    {
        if (!WeightKernels.IsSupported(t.Type))
            throw new ModelFormatException($"tensor '{t.Name}' has type {GgmlTypeInfo.Name(t.Type)}, which Spindle cannot compute with yet");
    }
}
