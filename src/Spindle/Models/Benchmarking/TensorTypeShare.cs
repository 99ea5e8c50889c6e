using Spindle.Tensors.Blocks;

namespace Spindle.Models.Benchmarking;

/// <summary>How many of a model's tensors have one type, and the bytes they take in the file.</summary>
public sealed record TensorTypeShare(GgmlType Type, int TensorCount, long ByteLength);
