using Spindle.Generation;

namespace Spindle.Serving;

/// <summary>A chunk of one of a request's <c>n</c> choices (<see cref="Index"/> 0 … n − 1).</summary>
public readonly record struct ChoiceChunk(int Index, GenerationChunk Chunk);
