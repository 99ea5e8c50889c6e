namespace Spindle.Generation;

/// <summary>A token and its log-probability (natural log) under the model's raw distribution.</summary>
public readonly record struct TokenLogprob(int TokenId, float Logprob);
