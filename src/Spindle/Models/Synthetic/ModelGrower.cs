using Spindle.Gguf;
using Spindle.Models.Quantization;
using Spindle.Tensors.Blocks;
using Spindle.Tensors.Kernels;
namespace Spindle.Models.Synthetic;

/// <summary>
/// Writes a "grown" copy of a model with a gated (llama-style) FFN: every layer's FFN widened from n_ff to
/// <see cref="GrowOptions.FeedForwardLength"/> units, everything else copied byte for byte (embeddings, attention,
/// norms, output, tokenizer and every metadata key but <c>{arch}.feed_forward_length</c>, <c>general.file_type</c>
/// included). The grown model computes almost what the original does at a far higher cost per token, which makes the
/// original a natural speculative-decoding draft for it.
/// </summary>
/// <remarks>
/// Shapes in ggml order (ne[0] is the row length, the input dimension): ffn_gate and ffn_up are [n_embd, n_ff], one
/// row per hidden unit, so widening them appends rows; ffn_down is [n_ff, n_embd], one row per output, so widening it
/// appends columns to each row. The three widened tensors are written as F32 (F16, BF16 and quantized sources are
/// dequantized with the reference kernels); every other tensor keeps its type and bytes.
/// <para>
/// The appended values: ffn_gate/ffn_up rows are drawn with mean 0 and the standard deviation σ of that tensor's own
/// values, so the extra units see pre-activations of the same scale as the real ones. An extra unit adds silu(g)·u
/// times its ffn_down column to the residual stream, and N − n_ff of them add up like a random walk, so their sum grows
/// as √(N − n_ff); ffn_down's appended columns therefore get σ_down·ε·√(n_ff / (N − n_ff)). The extra units' total then
/// has about ε times the spread that n_ff units of the original's scale would have, whatever N is: ε says how far the
/// grown model strays (docs/grown-models.md measures it), and N only what it costs. With ε = 0 the columns are exact
/// zeros and the logits equal the original's up to the order of float additions.
/// The distribution is <see cref="SyntheticWeights.FillRow"/>'s: an Irwin–Hall sum of four uniforms, a bell curve of
/// the given σ bounded by ±3.5σ, each row seeded by (seed, tensor index, row), so the file is the same for any thread
/// count and files grown with different ε (same N and seed) share their random directions.
/// </para>
/// <para>
/// Memory: tensors stream to the writer a chunk of rows at a time (<see cref="RowChunkWriter"/>); each widened tensor
/// is read twice, once for its σ and once to copy its rows.
/// </para>
/// </remarks>
public static class ModelGrower
{
    private enum Role { Copy, GateOrUp, Down }

    private sealed record PlannedTensor(int Index, GgufTensorInfo Source, GgufTensorDescriptor Target, Role Role);

    /// <summary>The model's FFN width, after checking that every layer has a gated FFN this class can widen.</summary>
    /// <exception cref="ModelFormatException">The model's FFN is not llama-style (no ffn_gate, fused, mixture of
    /// experts, biases, per-layer widths) or its tensors do not have the shapes its metadata gives.</exception>
    public static int FeedForwardLengthOf(GgufFile input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var md = input.Metadata;
        string architecture = md.Architecture ?? throw new ModelFormatException($"{GgufKeys.Architecture} is missing");
        string ffKey = md.ArchKey(GgufKeys.FeedForwardLength);
        if (!md.TryGetValue(ffKey, out var ffValue))
            throw new ModelFormatException($"{ffKey} is missing");
        if (ffValue.Type == GgufValueType.Array)
            throw new ModelFormatException($"{ffKey} is an array (a width per layer); only one width for all layers can be grown");
        long ff = md.GetInt64OrNull(ffKey) ?? throw new ModelFormatException($"{ffKey} is a {ffValue.Type}, not an integer");
        int layers = md.GetRequiredInt32(md.ArchKey(GgufKeys.BlockCount));
        long embd = md.GetRequiredInt32(md.ArchKey(GgufKeys.EmbeddingLength));
        if (ff <= 0 || ff > int.MaxValue) throw new ModelFormatException($"{ffKey} = {ff} is out of range");
        if (layers <= 0) throw new ModelFormatException($"{architecture}.{GgufKeys.BlockCount} = {layers}: no layers to grow");

        foreach (var t in input.Tensors)
        {
            if (!t.Name.StartsWith("blk.", StringComparison.Ordinal) || !t.Name.Contains(".ffn_", StringComparison.Ordinal)) continue;
            string role = t.Name[(t.Name.IndexOf(".ffn_", StringComparison.Ordinal) + 1)..];
            // ffn_norm (and gemma2's ffn_post_norm) are n_embd wide and stay; an ffn_down bias is n_embd wide too.
            // Anything else that is n_ff wide would have to be widened along with the matrices: refuse rather than guess.
            if (role is "ffn_gate.weight" or "ffn_up.weight" or "ffn_down.weight" or "ffn_down.bias" || role.EndsWith("norm.weight", StringComparison.Ordinal))
                continue;
            throw new ModelFormatException(
                $"tensor '{t.Name}': only a llama-style FFN (ffn_gate, ffn_up, ffn_down weights, no experts or gate/up biases) can be grown");
        }
        for (int l = 0; l < layers; l++)
        {
            CheckMatrix(input, $"blk.{l}.ffn_gate.weight", embd, ff);
            CheckMatrix(input, $"blk.{l}.ffn_up.weight", embd, ff);
            CheckMatrix(input, $"blk.{l}.ffn_down.weight", ff, embd);
        }
        return (int)ff;
    }

    private static void CheckMatrix(GgufFile input, string name, long rowLength, long rowCount)
    {
        var t = input.FindTensor(name) ?? throw new ModelFormatException(
            $"tensor '{name}' is missing: only models with a gated llama-style FFN (ffn_gate, ffn_up, ffn_down) can be grown");
        if (t.Dimensions.Length != 2 || t.Dimensions[0] != rowLength || t.Dimensions[1] != rowCount)
            throw new ModelFormatException($"tensor '{name}' is {t.ShapeText}, expected [{rowLength}, {rowCount}]");
        if (!WeightKernels.IsSupported(t.Type))
            throw new ModelFormatException($"tensor '{name}': type {GgmlTypeInfo.Name(t.Type)} cannot be read");
    }

    /// <summary>Grows the model at <paramref name="inputPath"/> into <paramref name="outputPath"/>; a failed run leaves no file.</summary>
    public static void Grow(string inputPath, string outputPath, GrowOptions options, IModelWriteObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(inputPath);
        ArgumentNullException.ThrowIfNull(outputPath);
        using var input = GgufFile.Open(inputPath);
        Grow(input, outputPath, options, observer);
    }

    /// <summary>Grows <paramref name="input"/> into <paramref name="outputPath"/>; a failed run leaves no file.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is invalid, or the new width is below the model's.</exception>
    /// <exception cref="ModelFormatException">The model cannot be grown (see <see cref="FeedForwardLengthOf"/>).</exception>
    public static void Grow(GgufFile input, string outputPath, GrowOptions options, IModelWriteObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(outputPath);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ModelQuantizer.CheckOutputPath(outputPath);
        if (input.Path != null && !input.IsView && Path.GetFullPath(input.Path) == Path.GetFullPath(outputPath))
            throw new ArgumentException($"the output would overwrite the input: {outputPath}", nameof(outputPath));
        int ff = FeedForwardLengthOf(input);
        int grown = options.FeedForwardLength;
        if (grown < ff)
            throw new ArgumentOutOfRangeException(nameof(options), grown,
                $"the FFN width {grown} is smaller than the model's {ff}; a grown model must be at least as wide");

        var metadata = input.Metadata.Clone();
        string ffKey = metadata.ArchKey(GgufKeys.FeedForwardLength);
        metadata.Set(ffKey, SameIntegerType(metadata[ffKey], grown));
        var tensors = Plan(input, grown);

        using var reader = new TensorFileReader(input);
        try
        {
            using var writer = GgufWriter.Create(outputPath);
            writer.WriteHeader(metadata, tensors.Select(t => t.Target).ToList(), input.Version);
            long total = tensors.Sum(t => ElementCount(t.Target)), done = 0;
            for (int i = 0; i < tensors.Count; i++)
            {
                var t = tensors[i];
                observer?.TensorStarted(i, tensors.Count, t.Target, t.Source.Type);
                if (t.Role == Role.Copy)
                {
                    reader.Copy(t.Source, writer);
                }
                else
                {
                    long before = done, rowLength = t.Target.Dimensions[0];
                    RowChunkWriter.Write(writer, GgmlType.F32, rowLength, t.Target.Dimensions[1], GrownRows(reader, t, ff, options),
                        options.Threads, rows => observer?.Progressed(before + rows * rowLength, total));
                }
                done += ElementCount(t.Target);
                observer?.Progressed(done, total);
            }
            writer.Complete();
        }
        catch
        {
            File.Delete(outputPath);
            throw;
        }
    }

    /// <summary>The source's tensors in file order; the FFN matrices with their grown F32 shapes.</summary>
    private static List<PlannedTensor> Plan(GgufFile input, int grown)
    {
        var result = new List<PlannedTensor>(input.Tensors.Count);
        for (int i = 0; i < input.Tensors.Count; i++)
        {
            var t = input.Tensors[i];
            Role role = !t.Name.StartsWith("blk.", StringComparison.Ordinal) ? Role.Copy
                : t.Name.EndsWith(".ffn_gate.weight", StringComparison.Ordinal) || t.Name.EndsWith(".ffn_up.weight", StringComparison.Ordinal) ? Role.GateOrUp
                : t.Name.EndsWith(".ffn_down.weight", StringComparison.Ordinal) ? Role.Down
                : Role.Copy;
            var target = role switch
            {
                Role.GateOrUp => new GgufTensorDescriptor(t.Name, GgmlType.F32, [t.Dimensions[0], grown]),
                Role.Down => new GgufTensorDescriptor(t.Name, GgmlType.F32, [grown, t.Dimensions[1]]),
                _ => GgufTensorDescriptor.Of(t),
            };
            result.Add(new PlannedTensor(i, t, target, role));
        }
        return result;
    }

    /// <summary>Rows of a widened matrix: the source's values first, the seeded extras after (see the class remarks).</summary>
    private static RowChunkWriter.RowSource GrownRows(TensorFileReader reader, PlannedTensor t, int ff, GrowOptions options)
    {
        var kernel = WeightKernels.For(t.Source.Type);
        var source = t.Source;
        float std = (float)StandardDeviation(reader, kernel, source);
        ulong seed = options.Seed;
        int index = t.Index;
        if (t.Role == Role.GateOrUp)
        {
            return (row, destination) =>
            {
                if (row < ff) reader.ReadRowAsFloats(source, kernel, row, destination);
                else SyntheticWeights.FillRow(seed, index, row, std, destination);
            };
        }
        int extra = options.FeedForwardLength - ff;
        float downStd = extra == 0 ? 0f : (float)(options.Epsilon * std * Math.Sqrt((double)ff / extra));
        return (row, destination) =>
        {
            reader.ReadRowAsFloats(source, kernel, row, destination[..ff]);
            if (downStd == 0) destination[ff..].Clear();
            else SyntheticWeights.FillRow(seed, index, row, downStd, destination[ff..]);
        };
    }

    /// <summary>The standard deviation of all of a tensor's values (about their mean), read a row at a time.</summary>
    private static double StandardDeviation(TensorFileReader reader, WeightKernel kernel, GgufTensorInfo tensor)
    {
        var row = new float[tensor.RowLength];
        double sum = 0, sumSquares = 0;
        for (long r = 0; r < tensor.RowCount; r++)
        {
            reader.ReadRowAsFloats(tensor, kernel, r, row);
            foreach (float v in row)
            {
                sum += v;
                sumSquares += (double)v * v;
            }
        }
        double n = tensor.ElementCount, mean = sum / n;
        return Math.Sqrt(Math.Max(0, sumSquares / n - mean * mean));
    }

    private static long ElementCount(GgufTensorDescriptor d)
    {
        long n = 1;
        foreach (long x in d.Dimensions) n *= x;
        return n;
    }

    /// <summary>The new width with the integer type the file used for the old one (llama.cpp reads any of them).</summary>
    private static GgufValue SameIntegerType(GgufValue old, int value) => old.Type switch
    {
        GgufValueType.Int32 => GgufValue.Int32(value),
        GgufValueType.UInt64 => GgufValue.UInt64((ulong)value),
        GgufValueType.Int64 => GgufValue.Int64(value),
        _ => GgufValue.UInt32((uint)value),
    };
}
