namespace Spindle.Tests.Models;

/// <summary>
/// The GGUF files whose llama.cpp reference outputs the forward-pass tests check, in one place. Only F32 files are
/// listed while only the F32 kernel exists; widen <see cref="Files"/> as kernels for other types land (each file needs
/// its NAME.logits.f32 and NAME.greedy.txt beside it).
/// </summary>
public static class ReferenceModels
{
    /// <summary>The 16-token prompt of the conformance models ("Once upon a time, there was a little dog named Max").</summary>
    public static readonly int[] ConformancePrompt = [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 400, 428, 395, 392, 412, 444];

    /// <summary>BOS + "Once upon a time" for the stories models.</summary>
    public static readonly int[] StoriesPrompt = [1, 403, 407, 261, 378];

    public sealed record Entry(string RelativePath, int[] Prompt, int GreedyTokens, double MaxAbsDelta, double MaxMeanKl)
    {
        public string GgufPath => SharedData.PathOf(RelativePath.Split('/'));

        /// <summary>Path without ".gguf", the stem of the reference files.</summary>
        public string Stem => GgufPath[..^".gguf".Length];

        public override string ToString() => RelativePath;
    }

    public static readonly Entry[] Files =
    [
        new("conformance/llama.f32.gguf", ConformancePrompt, 32, 0.05, 1e-4),
        new("conformance/llama-tied.f32.gguf", ConformancePrompt, 32, 0.05, 1e-4),
        new("conformance/qwen2.f32.gguf", ConformancePrompt, 32, 0.05, 1e-4),
        new("conformance/phi3.f32.gguf", ConformancePrompt, 32, 0.05, 1e-4),
        new("conformance/gemma.f32.gguf", ConformancePrompt, 32, 0.05, 1e-4),
        new("models/stories260K/stories260K.f32.gguf", StoriesPrompt, 200, 0.05, 1e-4),
        new("models/stories281K/stories281K.f32.gguf", StoriesPrompt, 200, 0.05, 1e-4),
    ];

    public static Entry Find(string relativePath) => Array.Find(Files, f => f.RelativePath == relativePath)
        ?? throw new ArgumentException($"no reference entry for {relativePath}");

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var f in Files) data.Add(f.RelativePath);
        return data;
    }

    /// <summary>Reads NAME.logits.f32: rows × vocab float32, little-endian, row-major.</summary>
    public static float[] ReadLogits(Entry entry)
    {
        byte[] bytes = File.ReadAllBytes(entry.Stem + ".logits.f32");
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, values.Length * 4);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("reference logits are little-endian");
        return values;
    }

    /// <summary>Reads NAME.greedy.txt: token ids separated by whitespace or commas.</summary>
    public static int[] ReadGreedy(Entry entry) =>
        File.ReadAllText(entry.Stem + ".greedy.txt")
            .Split([' ', '\n', '\r', '\t', ','], StringSplitOptions.RemoveEmptyEntries)
            .Select(int.Parse).ToArray();
}
