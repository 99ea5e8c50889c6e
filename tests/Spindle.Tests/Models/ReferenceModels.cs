namespace Spindle.Tests.Models;

/// <summary>
/// The GGUF files whose llama.cpp reference outputs the forward-pass tests check, in one place. Every shared file
/// with reference outputs is listed, with the bounds for its type.
/// </summary>
public static class ReferenceModels
{
    /// <summary>The 16-token prompt of the conformance models ("Once upon a time, there was a little dog named Max").</summary>
    public static readonly int[] ConformancePrompt = [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 400, 428, 395, 392, 412, 444];

    /// <summary>BOS + "Once upon a time" for the stories models.</summary>
    public static readonly int[] StoriesPrompt = [1, 403, 407, 261, 378];

    /// <summary>
    /// One reference file and the bounds the issue sets for it: F32/F16 max |Δ| ≤ 0.05 and mean KL ≤ 1e-4 with the
    /// greedy continuation identical; BF16 mean KL ≤ 1e-3; quantized types mean KL ≤ 1e-2 with at most 2 top-1 flips.
    /// <see cref="GreedyTokens"/> = 0 means the greedy continuation is not required to match (quantized files can part
    /// ways after a near-tie).
    /// </summary>
    public sealed record Entry(string RelativePath, int[] Prompt, int GreedyTokens, double MaxAbsDelta, double MaxMeanKl, int MaxTop1Flips)
    {
        public string GgufPath => SharedData.PathOf(RelativePath.Split('/'));

        /// <summary>Path without ".gguf", the stem of the reference files.</summary>
        public string Stem => GgufPath[..^".gguf".Length];

        public override string ToString() => RelativePath;
    }

    /// <summary>BOS + "Once upon a time" as llama.cpp tokenizes it with the tinystories-656K GGUF.</summary>
    public static readonly int[] TinyStoriesPrompt = [1, 80, 147, 201, 282, 57];

    public static readonly Entry[] Files = BuildFiles();

    private static Entry[] BuildFiles()
    {
        var files = new List<Entry>();
        void Add(string path, int[] prompt, int greedy)
        {
            string type = path[(path.LastIndexOf('/') + 1)..].Split('.')[^2];
            Entry entry = type switch
            {
                "f32" or "f16" => new(path, prompt, greedy, 0.05, 1e-4, 0),
                "bf16" => new(path, prompt, 0, double.PositiveInfinity, 1e-3, 0),
                _ => new(path, prompt, 0, double.PositiveInfinity, 1e-2, 2),
            };
            files.Add(entry);
        }
        foreach (string model in new[] { "llama", "llama-tied", "qwen2", "phi3", "gemma" })
        {
            foreach (string path in Directory.GetFiles(SharedData.PathOf("conformance"), model + ".*.gguf").Order(StringComparer.Ordinal))
                Add("conformance/" + Path.GetFileName(path), ConformancePrompt, 32);
        }
        foreach (string type in new[] { "f32", "f16", "q8_0" })
            Add($"models/stories260K/stories260K.{type}.gguf", StoriesPrompt, 200);
        Add("models/stories281K/stories281K.f32.gguf", StoriesPrompt, 200);
        foreach (string type in new[] { "f16", "q8_0" })
            Add($"models/tinystories-656K/tinystories-656K.{type}.gguf", TinyStoriesPrompt, 100);
        return files.ToArray();
    }

    public static Entry Find(string relativePath) => Array.Find(Files, f => f.RelativePath == relativePath)
        ?? throw new ArgumentException($"no reference entry for {relativePath}");

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var f in Files) data.Add(f.RelativePath);
        return data;
    }

    /// <summary>The files whose greedy continuation must equal llama.cpp's.</summary>
    public static TheoryData<string> GreedyNames()
    {
        var data = new TheoryData<string>();
        foreach (var f in Files)
        {
            if (f.GreedyTokens > 0) data.Add(f.RelativePath);
        }
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
