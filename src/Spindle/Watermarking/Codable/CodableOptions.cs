using Spindle.Models;

namespace Spindle.Watermarking.Codable;

/// <summary>
/// A multi-bit watermark (Wang et al., "Towards Codable Watermarking for Injecting Multi-bits Information to LLMs",
/// ICLR 2024): at each position the previous token, the key and the message choose a favoured half of the vocabulary,
/// whose logits get <see cref="Delta"/>. The decoder finds the message under which the text holds the most favoured
/// tokens. Messages of up to <see cref="MaxExhaustiveBits"/> bits are one segment, decoded by trying every value;
/// longer ones are split into segments of at most 8 bits, each position carrying the segment a keyed hash of the
/// previous token picks (see <see cref="CodableDecoder"/>).
/// </summary>
public sealed record CodableOptions : WatermarkOptions
{
    public const int MaxMessageBits = 32;

    /// <summary>Longest message decoded as one segment (2^16 candidates).</summary>
    public const int MaxExhaustiveBits = 16;

    /// <summary>Longest segment of a message longer than <see cref="MaxExhaustiveBits"/>.</summary>
    public const int SegmentBits = 8;

    public CodableScheme Scheme { get; init; } = CodableScheme.Balance;

    /// <summary>The message to embed: <see cref="MessageBits"/> bits, below 2^MessageBits (the decoder ignores it).</summary>
    public ulong Message { get; init; }

    /// <summary>b: the message's length in bits, 1 to <see cref="MaxMessageBits"/> (default 16).</summary>
    public int MessageBits { get; init; } = 16;

    /// <summary>δ ≥ 0: the logit bias of favoured tokens (default 2.0).</summary>
    public float Delta { get; init; } = 2.0f;

    /// <summary>
    /// Balance-Marking's proxy LM: a model over the same vocabulary (e.g. a smaller one), which reads the generated
    /// text from its BOS token on (<see cref="ModelProxyDistribution"/>). Null: the generating model itself. The caller
    /// owns it; decode with the same model.
    /// </summary>
    public Model? ProxyModel { get; init; }

    public override void Validate()
    {
        if (!Enum.IsDefined(Scheme)) throw new ArgumentOutOfRangeException(nameof(Scheme), Scheme, "unknown scheme");
        if (MessageBits is < 1 or > MaxMessageBits)
            throw new ArgumentOutOfRangeException(nameof(MessageBits), MessageBits, $"must be in 1..{MaxMessageBits}");
        if (Message >> MessageBits != 0)
            throw new ArgumentOutOfRangeException(nameof(Message), Message, $"does not fit in {MessageBits} bits");
        if (!(Delta >= 0) || float.IsInfinity(Delta)) throw new ArgumentOutOfRangeException(nameof(Delta), Delta, "must be finite and ≥ 0");
    }
}
