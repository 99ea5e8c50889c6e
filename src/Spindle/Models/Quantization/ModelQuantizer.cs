using Spindle.Gguf;
using Spindle.Tensors.Blocks;
using Spindle.Tensors.Kernels;
namespace Spindle.Models.Quantization;

/// <summary>
/// Quantizes a GGUF model the way llama-quantize does without an importance matrix: the same per-tensor types
/// (<see cref="QuantizationPlan"/>), the same reference quantizers, tensors in the same order, the metadata copied with
/// <c>general.quantization_version</c> and <c>general.file_type</c> re-set (llama.cpp removes and appends them, so they
/// end the key list). Tensor data streams from the input to the output a chunk of rows at a time.
/// </summary>
public static class ModelQuantizer
{
    /// <summary>ggml's GGML_QNT_VERSION: the block layouts written here.</summary>
    public const uint QuantizationVersion = 2;

    /// <summary>Quantizes <paramref name="inputPath"/> into <paramref name="outputPath"/>; a failed run leaves no output file.</summary>
    public static void Quantize(string inputPath, string outputPath, LlamaFileType fileType, int threads = 1, IModelWriteObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(inputPath);
        ArgumentNullException.ThrowIfNull(outputPath);
        CheckOutputPath(outputPath);
        if (File.Exists(inputPath) && Path.GetFullPath(inputPath) == Path.GetFullPath(outputPath))
            throw new ArgumentException($"the output would overwrite the input: {outputPath}", nameof(outputPath));
        LlamaFileTypes.DefaultType(fileType); // unsupported file types fail before anything is written

        using var input = GgufFile.Open(inputPath);
        Quantize(input, outputPath, fileType, threads, observer);
    }

    /// <summary>
    /// Writes <paramref name="input"/> as <paramref name="fileType"/> into <paramref name="outputPath"/>; the input may be
    /// a view (a Hugging Face checkpoint), which makes this the converter too. A failed run leaves no output file.
    /// </summary>
    public static void Quantize(GgufFile input, string outputPath, LlamaFileType fileType, int threads = 1, IModelWriteObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(outputPath);
        CheckOutputPath(outputPath);
        if (input.Path != null && !input.IsView && Path.GetFullPath(input.Path) == Path.GetFullPath(outputPath))
            throw new ArgumentException($"the output would overwrite the input: {outputPath}", nameof(outputPath));
        LlamaFileTypes.DefaultType(fileType);

        using var reader = new TensorFileReader(input);
        var tensors = Plan(input, fileType);
        var metadata = input.Metadata.Clone();
        SetQuantizationKeys(metadata, fileType);

        try
        {
            using var writer = GgufWriter.Create(outputPath);
            writer.WriteHeader(metadata, tensors.Select(t => t.Target).ToList());
            long total = tensors.Sum(t => t.Source.ElementCount), done = 0;
            for (int i = 0; i < tensors.Count; i++)
            {
                var (source, target) = tensors[i];
                observer?.TensorStarted(i, tensors.Count, target, source.Type);
                if (target.Type == source.Type)
                {
                    reader.Copy(source, writer);
                }
                else
                {
                    long before = done;
                    RowChunkWriter.Write(writer, target.Type, source.RowLength, source.RowCount, RowsAsFloats(reader, source), threads,
                        rows => observer?.Progressed(before + rows * source.RowLength, total));
                }
                done += source.ElementCount;
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

    /// <summary>Each tensor of <paramref name="input"/> in llama.cpp's order, with the type it will be written as.</summary>
    public static List<(GgufTensorInfo Source, GgufTensorDescriptor Target)> Plan(GgufFile input, LlamaFileType fileType)
    {
        var md = input.Metadata;
        string architecture = md.Architecture ?? throw new GgufFormatException($"{GgufKeys.Architecture} is missing");
        int layers = md.GetRequiredInt32(md.ArchKey(GgufKeys.BlockCount));
        int heads = md.GetRequiredInt32(md.ArchKey(GgufKeys.HeadCount));
        int kvHeads = (int)(md.GetInt64OrNull(md.ArchKey(GgufKeys.HeadCountKv)) ?? heads);
        if (heads <= 0 || kvHeads <= 0) throw new GgufFormatException($"head counts {heads} / {kvHeads} must be positive");

        var names = QuantizationPlan.OrderLikeLlamaCpp(input.Tensors.Select(t => t.Name));
        var plan = new QuantizationPlan(fileType, architecture, layers, heads / kvHeads, names);
        var result = new List<(GgufTensorInfo, GgufTensorDescriptor)>(names.Count);
        foreach (string name in names)
        {
            var tensor = input.GetTensor(name);
            GgmlType type = QuantizationPlan.IsQuantizable(name, tensor.Dimensions.Length)
                ? plan.TypeFor(name, tensor.RowLength)
                : tensor.Type;
            if (type != tensor.Type)
            {
                // As llama-quantize without --allow-requantize: quantizing twice compounds the error, so only float
                // weights are converted; an already-quantized tensor may only be kept as it is.
                if (tensor.Type is not (GgmlType.F32 or GgmlType.F16 or GgmlType.BF16))
                    throw new NotSupportedException(
                        $"tensor '{name}' is {GgmlTypeInfo.Name(tensor.Type)}; requantizing it to {GgmlTypeInfo.Name(type)} is refused (quantize from an F32, F16 or BF16 file)");
                if (!RowQuantizer.Supports(type))
                    throw new NotSupportedException($"tensor '{name}': cannot write {GgmlTypeInfo.Name(type)}");
            }
            result.Add((tensor, new GgufTensorDescriptor(name, type, tensor.Dimensions)));
        }
        return result;
    }

    /// <summary>Re-sets the two keys llama-quantize writes, removed first so that they end the list as in its files.</summary>
    public static void SetQuantizationKeys(GgufMetadata metadata, LlamaFileType fileType)
    {
        metadata.Remove(GgufKeys.QuantizationVersion);
        metadata.Remove(GgufKeys.FileType);
        metadata.Set(GgufKeys.QuantizationVersion, GgufValue.UInt32(QuantizationVersion));
        metadata.Set(GgufKeys.FileType, GgufValue.UInt32((uint)fileType));
    }

    /// <summary>Fails early, naming the path, when the output cannot be created (its directory is missing or it is a directory).</summary>
    public static void CheckOutputPath(string outputPath)
    {
        string full = Path.GetFullPath(outputPath);
        if (Directory.Exists(full)) throw new IOException($"output path is a directory: {outputPath}");
        string? directory = Path.GetDirectoryName(full);
        if (directory != null && !Directory.Exists(directory))
            throw new DirectoryNotFoundException($"output directory does not exist: {directory}");
    }

    private static RowChunkWriter.RowSource RowsAsFloats(TensorFileReader reader, GgufTensorInfo tensor)
    {
        var kernel = WeightKernels.For(tensor.Type);
        return (row, destination) => reader.ReadRowAsFloats(tensor, kernel, row, destination);
    }
}
