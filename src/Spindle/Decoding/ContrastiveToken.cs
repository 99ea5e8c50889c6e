namespace Spindle.Decoding;

/// <summary>
/// One token chosen by contrastive search: the probability its score used (the model's; under a constraint, renormalised
/// over the allowed tokens), its degeneration penalty (the largest cosine similarity between its hidden state and any
/// earlier token's), whether it is a stop token (then it is the last one streamed and is not part of the text), and its
/// natural-log probability under the model, unconstrained.
/// </summary>
public readonly record struct ContrastiveToken(int Token, float Probability, float DegenerationPenalty, bool IsStopToken,
    float LogProbability);
