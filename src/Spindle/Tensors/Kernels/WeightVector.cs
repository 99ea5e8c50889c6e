using Spindle.Tensors.Blocks;

namespace Spindle.Tensors.Kernels;

/// <summary>
/// A 1-D float weight (a norm scale or a bias). F32 tensors are read in place from the mapping; the rare non-F32 vector
/// is expanded once at load (it is n_embd floats, not a matrix).
/// </summary>
public sealed unsafe class WeightVector
{
    private readonly float* _data;
    private readonly float[]? _expanded;

    public WeightVector(string name, byte* data, long byteLength, GgmlType type, int length)
    {
        Name = name;
        Length = length;
        if (type == GgmlType.F32)
        {
            if (byteLength != (long)length * sizeof(float))
                throw new ArgumentException($"tensor '{name}': {byteLength} bytes do not hold {length} f32 values");
            _data = (float*)data;
        }
        else
        {
            var kernel = WeightKernels.For(type);
            long expected = GgmlTypeInfo.ByteLength(type, length);
            if (expected != byteLength)
                throw new ArgumentException($"tensor '{name}': {byteLength} bytes do not hold {length} {GgmlTypeInfo.Name(type)} values");
            _expanded = new float[length];
            kernel.DequantizeRow(new ReadOnlySpan<byte>(data, (int)byteLength), _expanded);
        }
    }

    public string Name { get; }

    public int Length { get; }

    public ReadOnlySpan<float> Values => _expanded ?? new ReadOnlySpan<float>(_data, Length);
}
