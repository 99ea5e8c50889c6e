using Spindle.Models.Quantization;

namespace Spindle.Models.HuggingFace;

/// <summary>
/// Hugging Face checkpoint folder → GGUF file, like llama.cpp's convert_hf_to_gguf.py: the checkpoint is opened as a
/// view (<see cref="HfCheckpoint.Open"/>) and written by the one GGUF writer path, <see cref="ModelQuantizer"/>, so a
/// float type copies or rounds the weights and a quantized type gets llama-quantize's per-tensor recipe.
/// </summary>
public static class HfConverter
{
    /// <summary>llama.cpp's converter writes F16 unless told otherwise.</summary>
    public const LlamaFileType DefaultFileType = LlamaFileType.MostlyF16;

    /// <summary>Converts <paramref name="directory"/> into <paramref name="outputPath"/>; a failed run leaves no output file.</summary>
    public static void Convert(string directory, string outputPath, LlamaFileType fileType = DefaultFileType, int threads = 1,
        IModelWriteObserver? observer = null)
    {
        ModelQuantizer.CheckOutputPath(outputPath);
        using var view = HfCheckpoint.Open(directory);
        ModelQuantizer.Quantize(view, outputPath, fileType, threads, observer);
    }
}
