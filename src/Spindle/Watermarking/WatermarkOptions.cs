namespace Spindle.Watermarking;

/// <summary>
/// A watermark to embed while sampling (<see cref="Generation.GenerationOptions.Watermark"/>), and the parameters its
/// detector needs: <see cref="Kgw.KgwOptions"/> (green lists), <see cref="Tournament.TournamentOptions"/> (SynthID-Text's
/// tournament sampling) or <see cref="Codable.CodableOptions"/> (a multi-bit message, Balance- or Vanilla-Marking).
/// </summary>
public abstract record WatermarkOptions
{
    /// <summary>The secret key (<see cref="WatermarkKey.FromString"/> for a passphrase).</summary>
    public required WatermarkKey Key { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first property out of range.</summary>
    public abstract void Validate();
}
