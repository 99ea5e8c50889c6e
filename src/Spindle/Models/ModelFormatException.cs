namespace Spindle.Models;

/// <summary>
/// A GGUF file or Hugging Face checkpoint whose metadata (config.json) or tensors do not describe a model Spindle can
/// run; the message says what is wrong.
/// </summary>
public sealed class ModelFormatException(string message) : SpindleException(message);
