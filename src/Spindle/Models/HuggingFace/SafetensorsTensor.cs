namespace Spindle.Models.HuggingFace;

/// <summary>
/// One tensor of a safetensors header. <see cref="Shape"/> is row-major as PyTorch writes it (the last dimension varies
/// fastest, the reverse of ggml's order); <see cref="DataStart"/> and <see cref="ByteLength"/> locate it inside the data
/// section, which begins right after the header.
/// </summary>
public sealed record SafetensorsTensor(string Name, string DType, long[] Shape, long DataStart, long ByteLength)
{
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (long d in Shape) n *= d;
            return n;
        }
    }

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
