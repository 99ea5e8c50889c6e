namespace Spindle.Models.Synthetic;

/// <summary>
/// The hyper-parameters of a llama-architecture model, for writing random-weight files of realistic sizes
/// (speed does not depend on weight values, so benchmarks need no downloads).
/// </summary>
public sealed record ModelShape(
    string Name,
    int EmbeddingLength,
    int LayerCount,
    int HeadCount,
    int KvHeadCount,
    int FeedForwardLength,
    int ContextLength)
{
    public int HeadDimension => EmbeddingLength / HeadCount;

    public int KvEmbeddingLength => HeadDimension * KvHeadCount;

    /// <summary>Shapes of well-known models, by the names `spindle synth --shape` accepts.</summary>
    public static IReadOnlyList<ModelShape> Known { get; } =
    [
        new("stories15m", 288, 6, 6, 6, 768, 256),
        new("stories42m", 512, 8, 8, 8, 1376, 1024),
        new("stories110m", 768, 12, 12, 12, 2048, 1024),
        new("tinyllama-1.1b", 2048, 22, 32, 4, 5632, 2048),
        new("llama-7b", 4096, 32, 32, 32, 11008, 4096),
    ];

    public static ModelShape Find(string name)
    {
        foreach (var shape in Known)
        {
            if (string.Equals(shape.Name, name, StringComparison.OrdinalIgnoreCase)) return shape;
        }
        throw new ArgumentException(
            $"unknown model shape '{name}' (known: {string.Join(", ", Known.Select(s => s.Name))})", nameof(name));
    }
}
