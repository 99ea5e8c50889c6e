using System.Globalization;
using Spectre.Console;

namespace Spindle.Cli.Commands.BenchServe;

/// <summary>The report as two Markdown tables (totals, then latencies) and a line for the first error.</summary>
internal static class BenchServeTable
{
    public static void Write(IAnsiConsole console, BenchServeReport r)
    {
        var s = r.Settings;
        var totals = new Table().Border(TableBorder.Markdown);
        totals.AddColumn("run");
        totals.AddColumn(new TableColumn("value").RightAligned());
        void Row(string name, string value) => totals.AddRow(Markup.Escape(name), Markup.Escape(value));
        Row("server", TerminalText.Escape(s.RequestUrl.ToString()));
        Row("clients", Integer(s.Clients));
        Row("requests completed", $"{Integer(r.Completed)} of {Integer(s.Requests)}");
        Row("errors", Integer(r.Errors));
        if (r.Resends > 0) Row("resent (server closed the connection unanswered)", Integer(r.Resends));
        Row("prompt tokens (mean, server-counted)", r.PromptTokensMean is double p
            ? string.Create(CultureInfo.InvariantCulture, $"{p:0.0} (asked ~{s.PromptTokens})")
            : $"not reported (asked ~{s.PromptTokens})");
        Row("prompt seed", Integer(s.Seed));
        if (s.SharedPrefixTokens > 0) Row("shared prefix", $"~{Integer(s.SharedPrefixTokens)} tokens × {Integer(s.Prefixes)}");
        Row("generated tokens", Integer(r.GeneratedTokens));
        Row("wall time (s)", Fixed(r.WallSeconds, "0.000"));
        Row("throughput (generated tokens/s)", Fixed(r.ThroughputTokensPerSecond, "0.00"));
        Row("requests/s", Fixed(r.RequestsPerSecond, "0.000"));
        if (r.CachedTokens is long cached) Row("cached prompt tokens", Integer(cached));
        if (r.CacheHitRate is double rate) Row("cache hit rate (repeat uses)", Fixed(rate * 100, "0.0") + " %");
        console.Write(totals);
        console.WriteLine();

        var latency = new Table().Border(TableBorder.Markdown);
        latency.AddColumn("latency (ms)");
        foreach (string column in new[] { "p50", "p99", "mean", "samples" }) latency.AddColumn(new TableColumn(column).RightAligned());
        void Latency(string name, LatencySummary? l)
        {
            if (l is null) latency.AddRow(Markup.Escape(name), "-", "-", "-", "0");
            else latency.AddRow(Markup.Escape(name), Fixed(l.P50, "0.0"), Fixed(l.P99, "0.0"), Fixed(l.Mean, "0.0"), Integer(l.Count));
        }
        Latency("time to first token", r.TimeToFirstToken);
        Latency("inter-token", r.InterToken);
        if (s.SharedPrefixTokens > 0)
        {
            Latency("TTFT, first use of a prefix", r.TimeToFirstTokenFirstUse);
            Latency("TTFT, repeat use", r.TimeToFirstTokenRepeat);
        }
        console.Write(latency);
        if (r.FirstError is { } error) console.WriteLine($"first error: {TerminalText.Escape(error)}");
    }

    private static string Integer(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Fixed(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
}
