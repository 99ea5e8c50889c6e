namespace Spindle.Constraints;

/// <summary>
/// Generation reached a point where the constraint allows no token of the vocabulary: the grammar needs a character
/// the vocabulary cannot spell (a tokenizer without byte fallback), or the constraint already ended. The text so far
/// is a valid prefix; what it needs next is in the message.
/// </summary>
public sealed class ConstraintDeadEndException(string message) : SpindleException(message);
