namespace Spindle.Decoding;

/// <summary>
/// One decoded sequence: generated tokens without the stop token, the stop token if one ended it, and the sum of the
/// natural-log probabilities the model gave each generated token (the stop token included).
/// </summary>
public sealed record SearchResult(int[] Tokens, double SumLogProb, int? StopToken);
