using Spindle.Generation;

namespace Spindle.Tests.Generation;

internal static class GenerationTestModels
{
    public static string Stories260K => SharedData.PathOf("models", "stories260K", "stories260K.f32.gguf");
    public static string TinyStoriesF16 => SharedData.PathOf("models", "tinystories-656K", "tinystories-656K.f16.gguf");
    public static string TinyStoriesQ8 => SharedData.PathOf("models", "tinystories-656K", "tinystories-656K.q8_0.gguf");

    public static SpindleModel Load(string path, int threads = 1, int? context = null) =>
        SpindleModel.Load(path, new SpindleModelOptions { ThreadCount = threads, ContextLength = context });

    public static List<GenerationChunk> Collect(IAsyncEnumerable<GenerationChunk> chunks) => [.. chunks.ToBlockingEnumerable()];

    public static string TextOf(IEnumerable<GenerationChunk> chunks) => string.Concat(chunks.Select(c => c.Text));

    public static int[] IdsOf(IEnumerable<GenerationChunk> chunks) => [.. chunks.Where(c => c.TokenId >= 0).Select(c => c.TokenId)];

    public static int[] ReadIds(string path) =>
        [.. File.ReadAllText(path).Split([',', '\n', ' '], StringSplitOptions.RemoveEmptyEntries).Select(int.Parse)];
}
