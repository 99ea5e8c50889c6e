namespace Spindle.Watermarking.Codable;

/// <summary>
/// What <see cref="CodableDecoder"/> read: the most likely <see cref="Message"/> and how sure it is.
/// <see cref="PValue"/> is the largest of the segments' corrected p-values, so it is small only when every segment
/// stands out; under the null (no watermark with this key) it is ≤ α with probability ≤ α.
/// </summary>
public sealed record MessageDecoding(
    WatermarkVerdict Verdict, ulong Message, int MessageBits, int ScoredTokens, double PValue, IReadOnlyList<SegmentDecoding> Segments)
{
    /// <summary>Candidate values scored over all segments (2^b for one segment).</summary>
    public long MessagesScored
    {
        get
        {
            long n = 0;
            foreach (var s in Segments) n += 1L << s.Bits;
            return n;
        }
    }

    /// <summary>The smallest lead of a segment's best value over its runner-up, in favoured tokens.</summary>
    public int Margin
    {
        get
        {
            int margin = int.MaxValue;
            foreach (var s in Segments) margin = Math.Min(margin, s.BestScore - s.RunnerUpScore);
            return Segments.Count == 0 ? 0 : margin;
        }
    }
}

/// <summary>
/// One segment of a decoded message: bits [<see cref="FirstBit"/>, FirstBit + <see cref="Bits"/>) of the message read as
/// <see cref="Value"/>, the value under which the most of its <see cref="ScoredTokens"/> positions were favoured
/// (<see cref="BestScore"/>; the next best value reached <see cref="RunnerUpScore"/>). <see cref="Scores"/> holds every
/// value's count. <see cref="PValue"/>: P(Binomial(T, ½) ≥ best) corrected for the 2^Bits values tried (Šidák).
/// </summary>
public sealed record SegmentDecoding(
    int FirstBit, int Bits, ulong Value, int ScoredTokens, int BestScore, int RunnerUpScore, double PValue, IReadOnlyList<int> Scores);
