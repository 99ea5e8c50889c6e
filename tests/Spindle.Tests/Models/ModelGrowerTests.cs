using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Spindle.Gguf;
using Spindle.Models;
using Spindle.Models.Synthetic;
using Spindle.Tensors.Blocks;
using Spindle.Tensors.Kernels;
using Spindle.Tests.Cli;
using Spindle.Tokenization;

namespace Spindle.Tests.Models;

public sealed class ModelGrowerTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("spindle-grow-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Stories260K => SharedData.PathOf("models", "stories260K", "stories260K.f32.gguf");
    private static string TinyStoriesF16 => SharedData.PathOf("models", "tinystories-656K", "tinystories-656K.f16.gguf");

    private string Grow(string input, int feedForwardLength, float epsilon, ulong seed = 0, int threads = 2, string? name = null)
    {
        string path = Path.Combine(_directory, name ?? $"{Path.GetFileNameWithoutExtension(input)}-{feedForwardLength}-{epsilon.ToString(CultureInfo.InvariantCulture)}-{seed}-{threads}.gguf");
        ModelGrower.Grow(input, path, new GrowOptions { FeedForwardLength = feedForwardLength, Epsilon = epsilon, Seed = seed, Threads = threads });
        return path;
    }

    /// <summary>
    /// The first <paramref name="count"/> tokens of the shared story, BOS first, as <paramref name="modelPath"/>'s
    /// tokenizer spells them; all of them when it has fewer and <paramref name="allowFewer"/>.
    /// </summary>
    private static int[] StoryTokens(string modelPath, int count, bool allowFewer = false)
    {
        using var file = GgufFile.Open(modelPath);
        var tokens = Tokenizer.FromGguf(file).Encode(File.ReadAllText(SharedData.PathOf("text", "story.txt")), addSpecial: true);
        Assert.True(allowFewer || tokens.Length >= count, $"the story has only {tokens.Length} tokens");
        return tokens[..Math.Min(count, tokens.Length)];
    }

    [Fact]
    public void Zero_epsilon_gives_the_original_logits()
    {
        string grown = Grow(Stories260K, 2048, 0f);
        int[] tokens = StoryTokens(Stories260K, 128);
        float[] expected = DraftAgreement.Logits(Stories260K, tokens), actual = DraftAgreement.Logits(grown, tokens);
        double scale = expected.Max(MathF.Abs), maxDelta = 0, firstDelta = 0;
        for (int i = 0; i < expected.Length; i++) maxDelta = Math.Max(maxDelta, Math.Abs(expected[i] - actual[i]));
        for (int i = 0; i < 512; i++) firstDelta = Math.Max(firstDelta, Math.Abs(expected[i] - actual[i]));
        var agreement = DraftAgreement.Compare(expected, actual, tokens.Length);
        output.WriteLine($"max |Δ| = {maxDelta:G3} (first position {firstDelta:G3}) of max |logit| {scale:G3}; {agreement}");
        // Only the order of float additions differs: the dot products run over 2,048 hidden units instead of 172, in other
        // SIMD groupings. The first position (BOS alone) shows it at ~1e-7 of the scale; through five layers of
        // attention over 128 positions this tiny model amplifies it to ~1e-4 (one extra unit, N = 173, does as much),
        // while a misplaced row or a nonzero column moves logits by whole units.
        Assert.True(firstDelta <= 1e-5 * scale, $"first position: max |Δ| {firstDelta} > 1e-5 × {scale}");
        Assert.True(maxDelta <= 1e-3 * scale, $"max |Δ| {maxDelta} > 1e-3 × {scale}");
        Assert.Equal(1.0, agreement.ArgmaxAgreement);
        Assert.True(agreement.MeanKl < 1e-7, agreement.ToString());
    }

    [Fact]
    public void Small_epsilon_moves_the_logits_a_little()
    {
        string grown = Grow(Stories260K, 2048, 0.1f);
        int[] tokens = StoryTokens(Stories260K, 128);
        float[] original = DraftAgreement.Logits(Stories260K, tokens), changed = DraftAgreement.Logits(grown, tokens);
        double maxDelta = 0;
        for (int i = 0; i < original.Length; i++) maxDelta = Math.Max(maxDelta, Math.Abs(original[i] - changed[i]));
        var agreement = DraftAgreement.Compare(original, changed, tokens.Length);
        output.WriteLine($"max |Δ| = {maxDelta:G3}; {agreement}");
        Assert.True(maxDelta > 1e-2, $"the logits hardly changed: max |Δ| {maxDelta}");
        // stories260K is sharp and small (64-wide stream), so even ε = 0.1 is felt: measured KL 0.043, acceptance 0.91.
        Assert.InRange(agreement.MeanKl, 1e-3, 0.2);
        Assert.True(agreement.ExpectedAcceptance > 0.8, agreement.ToString());
        Assert.True(agreement.ArgmaxAgreement > 0.8, agreement.ToString());

        // A larger epsilon moves them further (measured: 0.92 nats at ε = 0.4) ...
        var further = DraftAgreement.Compare(original, DraftAgreement.Logits(Grow(Stories260K, 2048, 0.4f), tokens), tokens.Length);
        Assert.True(further.MeanKl > 4 * agreement.MeanKl, $"ε 0.4: {further}; ε 0.1: {agreement}");
        // ... while a wider FFN at the same epsilon strays about as far (measured: 0.037 nats at N = 8192): the appended
        // columns shrink as 1/√(N − n_ff).
        var wider = DraftAgreement.Compare(original, DraftAgreement.Logits(Grow(Stories260K, 8192, 0.1f), tokens), tokens.Length);
        output.WriteLine($"N 8192: {wider}");
        Assert.InRange(wider.MeanKl / agreement.MeanKl, 0.5, 2);
    }

    [Fact]
    public void Metadata_and_tensors_are_the_originals_but_for_the_ffn()
    {
        const int Width = 1000, Original = 172;
        string grown = Grow(Stories260K, Width, 0.5f);
        using var source = GgufFile.Open(Stories260K);
        using var file = GgufFile.Open(grown);

        Assert.Equal(Width, file.Metadata.GetRequiredInt32("llama.feed_forward_length"));
        Assert.Equal(source.Metadata["llama.feed_forward_length"].Type, file.Metadata["llama.feed_forward_length"].Type);
        Assert.Equal(source.Metadata.Keys, file.Metadata.Keys);
        foreach (string key in source.Metadata.Keys.Where(k => k != "llama.feed_forward_length"))
            Assert.Equal(GgufComparison.Text(source.Metadata[key]), GgufComparison.Text(file.Metadata[key]));

        Assert.Equal(source.Tensors.Select(t => t.Name), file.Tensors.Select(t => t.Name));
        foreach (var t in source.Tensors)
        {
            var g = file.GetTensor(t.Name);
            if (t.Name.EndsWith("ffn_gate.weight") || t.Name.EndsWith("ffn_up.weight"))
            {
                Assert.Equal([64L, Width], g.Dimensions);
                Assert.Equal(GgmlType.F32, g.Type);
                var before = Floats(source, t);
                var after = Floats(file, g);
                // Rows of 64: the original 172 rows first, unchanged, then 828 new ones of the original's spread.
                Assert.True(before.SequenceEqual(after[..before.Length]), t.Name);
                Assert.InRange(Std(after[before.Length..]) / Std(before), 0.9, 1.1);
            }
            else if (t.Name.EndsWith("ffn_down.weight"))
            {
                Assert.Equal([(long)Width, 64L], g.Dimensions);
                Assert.Equal(GgmlType.F32, g.Type);
                var before = Floats(source, t);
                var after = Floats(file, g);
                var extra = new List<float>();
                for (int row = 0; row < 64; row++)
                {
                    // Each of the 64 rows keeps its 172 columns and gains 828.
                    Assert.True(before.AsSpan(row * Original, Original).SequenceEqual(after.AsSpan(row * Width, Original)), $"{t.Name} row {row}");
                    extra.AddRange(after.AsSpan(row * Width + Original, Width - Original).ToArray());
                }
                // ε·√(n_ff / (N − n_ff)) of the original spread: 0.5 · √(172 / 828) = 0.228.
                Assert.InRange(Std(extra.ToArray()) / Std(before), 0.9 * 0.228, 1.1 * 0.228);
            }
            else
            {
                Assert.Equal(t.Dimensions, g.Dimensions);
                Assert.Equal(t.Type, g.Type);
                Assert.True(source.GetTensorData(t).SequenceEqual(file.GetTensorData(g)), t.Name);
            }
        }
    }

    [Fact]
    public void An_f16_model_keeps_its_other_tensors_and_gets_dequantized_ffn_rows()
    {
        string grown = Grow(TinyStoriesF16, 512, 0.1f);
        using var source = GgufFile.Open(TinyStoriesF16);
        using var file = GgufFile.Open(grown);
        Assert.Equal(512, file.Metadata.GetRequiredInt32("llama.feed_forward_length"));
        var gate = source.GetTensor("blk.1.ffn_gate.weight");
        Assert.Equal(GgmlType.F16, gate.Type);
        var expected = new float[gate.ElementCount];
        WeightKernels.For(GgmlType.F16).DequantizeRow(source.GetTensorData(gate), expected);
        Assert.True(expected.AsSpan().SequenceEqual(Floats(file, file.GetTensor("blk.1.ffn_gate.weight")).AsSpan(0, expected.Length)));
        Assert.Equal(GgmlType.F16, file.GetTensor("blk.1.attn_q.weight").Type);
        Assert.Equal(GgmlType.F16, file.GetTensor("token_embd.weight").Type);

        // It runs, and stays close to the original.
        int[] tokens = StoryTokens(TinyStoriesF16, 64);
        var agreement = DraftAgreement.Compare(DraftAgreement.Logits(TinyStoriesF16, tokens), DraftAgreement.Logits(grown, tokens), tokens.Length);
        output.WriteLine(agreement.ToString());
        Assert.True(agreement.ExpectedAcceptance > 0.85, agreement.ToString());
    }

    [Fact]
    public void The_seed_decides_the_file_and_threads_do_not()
    {
        byte[] a = File.ReadAllBytes(Grow(Stories260K, 512, 0.1f, seed: 5, threads: 1));
        byte[] b = File.ReadAllBytes(Grow(Stories260K, 512, 0.1f, seed: 5, threads: 2));
        byte[] c = File.ReadAllBytes(Grow(Stories260K, 512, 0.1f, seed: 6, threads: 2));
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void The_same_width_copies_the_model()
    {
        string same = Grow(Stories260K, 172, 0.3f);
        using var source = GgufFile.Open(Stories260K);
        using var file = GgufFile.Open(same);
        Assert.Empty(GgufComparison.TensorDifferences(source, file));
    }

    [Fact]
    public void Bad_arguments_are_refused_and_leave_no_file()
    {
        string output = Path.Combine(_directory, "bad.gguf");
        GrowOptions Options(int n, float e) => new() { FeedForwardLength = n, Epsilon = e };

        var narrower = Assert.Throws<ArgumentOutOfRangeException>(() => ModelGrower.Grow(Stories260K, output, Options(171, 0.1f)));
        Assert.Contains("smaller than the model's 172", narrower.Message);
        foreach (float e in new[] { -0.1f, float.NaN, float.PositiveInfinity })
        {
            var ex = Assert.Throws<ArgumentOutOfRangeException>(() => ModelGrower.Grow(Stories260K, output, Options(2048, e)));
            Assert.Equal("Epsilon", ex.ParamName);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => ModelGrower.Grow(Stories260K, output, Options(0, 0.1f)));

        // phi3 fuses gate and up into one ffn_up of 2·n_ff rows: nothing to append to.
        var phi3 = Assert.Throws<ModelFormatException>(() => ModelGrower.Grow(SharedData.PathOf("conformance", "phi3.f32.gguf"), output, Options(20000, 0.1f)));
        Assert.Contains("ffn_gate.weight' is missing", phi3.Message);

        string copy = Path.Combine(_directory, "in.gguf");
        File.Copy(Stories260K, copy);
        Assert.Throws<ArgumentException>(() => ModelGrower.Grow(copy, copy, Options(2048, 0.1f)));
        Assert.Throws<DirectoryNotFoundException>(() => ModelGrower.Grow(Stories260K, Path.Combine(_directory, "no", "o.gguf"), Options(2048, 0.1f)));
        Assert.False(File.Exists(output));
        Assert.Equal(File.ReadAllBytes(Stories260K), File.ReadAllBytes(copy));
    }

    private static void AssertOneLineError(CliRunner.Result r, int exitCode, string expectedFragment)
    {
        Assert.True(exitCode == r.ExitCode, $"exit {r.ExitCode}: {r.Error}");
        var lines = r.ErrorLines.Where(l => l.StartsWith("spindle: error: ", StringComparison.Ordinal)).ToArray();
        Assert.Single(lines);
        Assert.Contains(expectedFragment, lines[0]);
        Assert.DoesNotContain("   at ", r.Error);
    }

    [Fact]
    public void Cli_grows_a_model()
    {
        string path = Path.Combine(_directory, "cli.gguf");
        var r = CliRunner.Run("synth", "--grow", Stories260K, "--ffn", "640", "--epsilon", "0.05", "--out", path, "--seed", "3", "-t", "2");
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains("FFN 172 -> 640", r.Out);
        using var file = GgufFile.Open(path);
        Assert.Equal(640, file.Metadata.GetRequiredInt32("llama.feed_forward_length"));
        Assert.Equal([640L, 64L], file.GetTensor("blk.4.ffn_down.weight").Dimensions);
        Assert.Equal(File.ReadAllBytes(Grow(Stories260K, 640, 0.05f, seed: 3)), File.ReadAllBytes(path));
    }

    [Fact]
    public void Cli_refuses_bad_grow_arguments()
    {
        string o = Path.Combine(_directory, "o.gguf");
        AssertOneLineError(CliRunner.Run("synth", "--grow", Stories260K, "--ffn", "100", "--epsilon", "0", "--out", o), 2, "--ffn 100 is smaller than the model's FFN width 172");
        AssertOneLineError(CliRunner.Run("synth", "--grow", Stories260K, "--ffn", "2048", "--epsilon", "-1", "--out", o), 2, "--epsilon");
        AssertOneLineError(CliRunner.Run("synth", "--grow", Stories260K, "--ffn", "2048", "--epsilon", "NaN", "--out", o), 2, "--epsilon");
        AssertOneLineError(CliRunner.Run("synth", "--grow", Stories260K, "--ffn", "2048", "--out", o), 2, "--grow needs --epsilon");
        AssertOneLineError(CliRunner.Run("synth", "--grow", Stories260K, "--epsilon", "0.1", "--out", o), 2, "--grow needs --ffn");
        AssertOneLineError(CliRunner.Run("synth", "--grow", Stories260K, "--ffn", "2048", "--epsilon", "0.1", "--type", "f32", "--out", o), 2, "--type");
        AssertOneLineError(CliRunner.Run("synth", "--shape", "stories15m", "--vocab", Stories260K, "--type", "f32", "--ffn", "2048", "--out", o), 2, "--ffn goes with --grow");
        AssertOneLineError(CliRunner.Run("synth", "--grow", SharedData.PathOf("conformance", "phi3.f32.gguf"), "--ffn", "20000", "--epsilon", "0.1", "--out", o), 2, "ffn_gate.weight' is missing");
        AssertOneLineError(CliRunner.Run("synth", "--grow", Stories260K, "--ffn", "2048", "--epsilon", "0.1", "--out", Stories260K), 2, "overwrite the input");
        AssertOneLineError(CliRunner.Run("synth", "--grow", Path.Combine(_directory, "none.gguf"), "--ffn", "2048", "--epsilon", "0.1", "--out", o), 1, "not found");
        AssertOneLineError(CliRunner.Run("synth", "--type", "f32", "--out", o), 2, "synth needs --shape, --vocab");
        Assert.False(File.Exists(o));
    }

    /// <summary>
    /// The figures of docs/grown-models.md: for each grown file in $SPINDLE_GROWN_DIR (named MODEL-ffnN-eE.gguf, the
    /// original found in ../shared/models), the draft agreement with its original over the first 512 tokens of the shared
    /// story. Skipped unless the variable is set: the files are ~126 MB each.
    /// </summary>
    [Fact]
    [Trait("Category", "Measure")]
    public void Measure_grown_models_against_their_originals()
    {
        string? directory = Environment.GetEnvironmentVariable("SPINDLE_GROWN_DIR");
        Assert.SkipWhen(string.IsNullOrEmpty(directory), "set SPINDLE_GROWN_DIR to a folder of grown models");
        var originals = new Dictionary<string, string>
        {
            ["stories260K"] = Stories260K,
            ["tinystories-656K"] = TinyStoriesF16,
        };
        var table = new StringBuilder("| grown file | FFN | ε | positions | mean KL(orig‖grown), nats | expected acceptance Σ min(p,q) | argmax agreement |\n|---|---|---|---|---|---|---|\n");
        var cache = new Dictionary<string, (int[] Tokens, float[] Logits)>();
        foreach (string path in Directory.GetFiles(directory!, "*.gguf").Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileNameWithoutExtension(path);
            string model = originals.Keys.Single(k => name.StartsWith(k + "-", StringComparison.Ordinal));
            if (!cache.TryGetValue(model, out var reference))
            {
                int[] tokens = StoryTokens(originals[model], 512, allowFewer: true);
                cache[model] = reference = (tokens, DraftAgreement.Logits(originals[model], tokens));
            }
            var agreement = DraftAgreement.Compare(reference.Logits, DraftAgreement.Logits(path, reference.Tokens), reference.Tokens.Length);
            using var file = GgufFile.Open(path);
            int ffn = file.Metadata.GetRequiredInt32(file.Metadata.ArchKey(GgufKeys.FeedForwardLength));
            string epsilon = name[(name.LastIndexOf("-e", StringComparison.Ordinal) + 2)..];
            table.Append(CultureInfo.InvariantCulture,
                $"| {Path.GetFileName(path)} | {ffn:N0} | {epsilon} | {agreement.Positions} | {agreement.MeanKl:F4} | {agreement.ExpectedAcceptance:F4} | {agreement.ArgmaxAgreement:F4} |\n");
        }
        output.WriteLine(table.ToString());
        File.WriteAllText(Path.Combine(directory!, "agreement.md"), table.ToString());
    }

    private static float[] Floats(GgufFile file, GgufTensorInfo tensor) => MemoryMarshal.Cast<byte, float>(file.GetTensorData(tensor)).ToArray();

    private static double Std(ReadOnlySpan<float> values)
    {
        double sum = 0, sumSquares = 0;
        foreach (float v in values) { sum += v; sumSquares += (double)v * v; }
        double mean = sum / values.Length;
        return Math.Sqrt(sumSquares / values.Length - mean * mean);
    }
}

/// <summary>
/// How well a draft model's next-token distributions p match a target's q at temperature 1, position by position:
/// mean KL(p‖q), the expected acceptance of speculative sampling Σₓ min(p(x), q(x)) (Leviathan et al. 2023: the
/// probability that a token drawn from p is accepted), and how often the two argmaxes agree (greedy acceptance).
/// </summary>
internal static class DraftAgreement
{
    public sealed record Result(double MeanKl, double ExpectedAcceptance, double ArgmaxAgreement, int Positions)
    {
        public override string ToString() =>
            FormattableString.Invariant($"mean KL {MeanKl:G4} nats, expected acceptance {ExpectedAcceptance:F4}, argmax agreement {ArgmaxAgreement:F4} over {Positions} positions");
    }

    /// <summary>The logits of every position of <paramref name="tokens"/> (teacher-forced, one sequence).</summary>
    public static float[] Logits(string modelPath, int[] tokens)
    {
        using var model = Model.Load(modelPath, new ModelOptions { ThreadCount = 2 });
        var logits = new float[tokens.Length * model.Config.VocabSize];
        new InferenceSession(model).Evaluate(tokens, logits);
        return logits;
    }

    /// <summary>Compares row by row; <paramref name="draft"/> plays p, <paramref name="target"/> q.</summary>
    public static Result Compare(float[] draft, float[] target, int positions)
    {
        Assert.Equal(draft.Length, target.Length);
        int vocabulary = draft.Length / positions;
        var p = new double[vocabulary];
        var q = new double[vocabulary];
        double kl = 0, acceptance = 0;
        int agree = 0;
        for (int i = 0; i < positions; i++)
        {
            Softmax(draft.AsSpan(i * vocabulary, vocabulary), p);
            Softmax(target.AsSpan(i * vocabulary, vocabulary), q);
            double rowKl = 0, rowAccept = 0;
            for (int x = 0; x < vocabulary; x++)
            {
                if (p[x] > 0) rowKl += p[x] * Math.Log(p[x] / Math.Max(q[x], double.Epsilon));
                rowAccept += Math.Min(p[x], q[x]);
            }
            kl += rowKl;
            acceptance += rowAccept;
            if (ArgMax(draft.AsSpan(i * vocabulary, vocabulary)) == ArgMax(target.AsSpan(i * vocabulary, vocabulary))) agree++;
        }
        return new Result(kl / positions, acceptance / positions, (double)agree / positions, positions);
    }

    private static void Softmax(ReadOnlySpan<float> logits, double[] probabilities)
    {
        double max = double.NegativeInfinity, sum = 0;
        foreach (float v in logits) max = Math.Max(max, v);
        for (int x = 0; x < logits.Length; x++) sum += probabilities[x] = Math.Exp(logits[x] - max);
        for (int x = 0; x < logits.Length; x++) probabilities[x] /= sum;
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int x = 1; x < values.Length; x++) if (values[x] > values[best]) best = x;
        return best;
    }
}
