namespace Spindle.Decoding;

/// <summary>
/// One token chosen by contrastive search: its probability under the model, its degeneration penalty (the largest
/// cosine similarity between its hidden state and any earlier token's), and whether it is a stop token (then it is the
/// last one streamed and is not part of the text).
/// </summary>
public readonly record struct ContrastiveToken(int Token, float Probability, float DegenerationPenalty, bool IsStopToken);
