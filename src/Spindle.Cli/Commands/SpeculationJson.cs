using System.Text.Json;
using Spindle.Decoding.Speculative;

namespace Spindle.Cli.Commands;

/// <summary>The speculation fields `generate --json` and `bench --json` add.</summary>
internal static class SpeculationJson
{
    public static void Write(Utf8JsonWriter w, SpeculationStats s)
    {
        w.WriteNumber("rounds", s.Rounds);
        w.WriteNumber("drafted", s.Drafted);
        w.WriteNumber("accepted", s.Accepted);
        w.WriteNumber("acceptance_rate", Math.Round(s.AcceptanceRate, 4));
        w.WriteNumber("mean_accepted", Math.Round(s.MeanAccepted, 4));
        w.WriteNumber("target_forwards_per_token", Math.Round(s.TargetForwardsPerToken, 4));
        w.WriteNumber("draft_forwards", s.DraftForwards);
    }
}
