using System.Text;

namespace Spindle.Constraints.JsonSchema.Compilation;

/// <summary>
/// RFC 3339 full-time as a regex, second 60 only near 23:59 UTC. Each offset puts 23:59 UTC at exactly one local
/// hour:minute, so the exact language must carry the local hour and minute (1,440 pairs) past ":60" and the fraction
/// to the offset: by a fooling-set argument any automaton needs ≥ 1,440 states at each of those ~6 positions, about
/// 10k DFA states (as a listed regex 36k NFA states, 50–130 ms to build per grammar, measured). That is over the few-thousand
/// budget, so the leap-second branch carries the hour and one bit of the minute (59 or not) instead: 48 leaves, where
/// the hour must match the offset's hour exactly and minute 59 goes with offset minutes 00 (the other minutes with
/// 01–59). Over-approximation left: within minutes 00–58 the offset's minutes are not tied to the local minute
/// (15:30:60-08:10 passes, 15:30 - (-08:10) is 23:40 UTC). The validator checks the exact rule.
/// </summary>
internal static class TimeOfDayRegex
{
    private const string Fraction = @"(\.\d+)?";
    private const string NonLeap = @"([01]\d|2[0-3]):[0-5]\d:[0-5]\d" + Fraction + @"([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)";
    private const string NonZeroMinute = "(0[1-9]|[1-5]\\d)";

    public static string Pattern { get; } = Build();

    private static string Build()
    {
        var sb = new StringBuilder(NonLeap.Length + 24 * 120);
        sb.Append('(').Append(NonLeap);
        for (int h = 0; h < 24; h++)
        {
            // Local hh:59 is 23:59 UTC at offset +(h+1):00 or -(23-h):00 (Z too at 23:59).
            sb.Append($"|{h:D2}:(59:60{Fraction}(");
            if (h == 23) sb.Append("[Zz]|");
            sb.Append($@"\+{(h + 1) % 24:D2}:00|-{23 - h:D2}:00)");
            // Local hh:mm with mm < 59 is 23:59 UTC at offset +hh:(mm+1) or -(23-h):(59-mm), both with minutes 01-59.
            sb.Append($@"|([0-4]\d|5[0-8]):60{Fraction}(\+{h:D2}|-{23 - h:D2}):{NonZeroMinute})");
        }
        return sb.Append(')').ToString();
    }
}
