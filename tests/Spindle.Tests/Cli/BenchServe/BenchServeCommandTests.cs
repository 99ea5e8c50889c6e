using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Spindle.Tests.Cli.BenchServe;

/// <summary>`spindle bench-serve` run end to end against <see cref="CannedSseServer"/>: what it measures, not only that it runs.</summary>
public class BenchServeCommandTests
{
    private static readonly TimeSpan FirstTokenDelay = TimeSpan.FromMilliseconds(120);
    private static readonly TimeSpan TokenGap = TimeSpan.FromMilliseconds(25);

    [Fact]
    public void Json_reports_the_canned_timing_and_token_counts()
    {
        using var server = new CannedSseServer(FirstTokenDelay, TokenGap, tokens: 4);
        var r = CliRunner.Run("bench-serve", "--url", server.Url, "--clients", "3", "--requests", "7", "--prompt-tokens", "12",
            "--max-tokens", "4", "--seed", "42", "--json");
        Assert.True(r.ExitCode == 0, r.Error);
        using var json = JsonDocument.Parse(r.Out);
        var root = json.RootElement;
        Assert.Equal(42, root.GetProperty("seed").GetInt32());
        Assert.Equal(7, root.GetProperty("completed").GetInt32());
        Assert.Equal(0, root.GetProperty("errors").GetInt32()); // the server's close after each stream is no error
        Assert.Equal(28, root.GetProperty("generated_tokens").GetInt64());
        Assert.Equal(12.0, root.GetProperty("prompt_tokens_mean").GetDouble());
        var ttft = root.GetProperty("ttft_ms");
        Assert.InRange(ttft.GetProperty("p50").GetDouble(), FirstTokenDelay.TotalMilliseconds * 0.95, 5000);
        Assert.True(ttft.GetProperty("p99").GetDouble() >= ttft.GetProperty("p50").GetDouble());
        var itl = root.GetProperty("itl_ms");
        Assert.InRange(itl.GetProperty("p50").GetDouble(), TokenGap.TotalMilliseconds * 0.8, 2000);
        Assert.Equal(7 * 3, itl.GetProperty("count").GetInt32());
        // 7 requests of at least 120 + 3 × 25 ms each, three at a time: at least three rounds.
        double wall = root.GetProperty("wall_seconds").GetDouble();
        Assert.True(wall >= 3 * 0.195 * 0.95, $"wall {wall}");
        Assert.Equal(28 / wall, root.GetProperty("throughput_tokens_per_second").GetDouble(), 1);

        var prompts = new HashSet<string>();
        foreach (string body in server.Bodies)
        {
            using var request = JsonDocument.Parse(body);
            var b = request.RootElement;
            Assert.True(b.GetProperty("stream").GetBoolean());
            Assert.True(b.GetProperty("ignore_eos").GetBoolean());
            Assert.True(b.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
            Assert.Equal(4, b.GetProperty("max_tokens").GetInt32());
            Assert.Equal(0, b.GetProperty("temperature").GetDouble());
            Assert.Equal(42, b.GetProperty("seed").GetInt32());
            prompts.Add(b.GetProperty("prompt").GetString()!);
        }
        Assert.Equal(7, prompts.Count); // distinct prompts (a resent request would repeat one)
    }

    [Fact]
    public void Shared_prefixes_measure_first_and_repeat_use_and_the_hit_rate()
    {
        using var server = new CannedSseServer(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(1), tokens: 2);
        // One client: the requests reach the server in order, so prompts 2..5 each find their prefix's first use cached.
        var r = CliRunner.Run("bench-serve", "--url", server.Url + "/v1", "--requests", "6", "--prompt-tokens", "20",
            "--shared-prefix", "10", "--prefixes", "2", "--max-tokens", "2", "--json");
        Assert.True(r.ExitCode == 0, r.Error);
        using var json = JsonDocument.Parse(r.Out);
        var root = json.RootElement;
        Assert.Equal(6, root.GetProperty("completed").GetInt32());
        Assert.Equal(2, root.GetProperty("ttft_first_use_ms").GetProperty("count").GetInt32());
        Assert.Equal(4, root.GetProperty("ttft_repeat_ms").GetProperty("count").GetInt32());
        // Each repeat shares exactly its 10 prefix words; the request index after them differs.
        Assert.Equal(0.5, root.GetProperty("cache_hit_rate").GetDouble());
        Assert.True(root.GetProperty("cached_tokens").GetInt64() >= 40);
    }

    [Fact]
    public void Table_shows_throughput_and_latency_rows()
    {
        using var server = new CannedSseServer(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(2), tokens: 3);
        var r = CliRunner.Run("bench-serve", "--url", server.Url, "--clients", "2", "--requests", "4", "--prompt-tokens", "8", "--max-tokens", "3",
            "--shared-prefix", "4");
        Assert.True(r.ExitCode == 0, r.Error);
        foreach (string row in new[] { "requests completed", "4 of 4", "throughput (generated tokens/s)", "time to first token", "inter-token",
                     "TTFT, first use of a prefix", "TTFT, repeat use", "cache hit rate" })
            Assert.Contains(row, r.Out);
        Assert.DoesNotContain("\u001b", r.Out); // no progress bar or colours into a non-terminal
        Assert.Equal("", r.Error);
    }

    [Fact]
    public void Nothing_listening_is_one_line_and_exit_1()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var r = CliRunner.Run("bench-serve", "--url", $"http://127.0.0.1:{port}", "--clients", "4", "--requests", "100");
        Assert.Equal(1, r.ExitCode);
        var line = Assert.Single(r.ErrorLines);
        Assert.StartsWith("spindle: error: cannot reach http://127.0.0.1:", line);
        Assert.Contains("refused", line);
        Assert.Equal("", r.Out);
    }

    [Fact]
    public void A_server_answering_only_errors_is_one_line_with_its_message()
    {
        using var server = new CannedSseServer(TimeSpan.Zero, TimeSpan.Zero, tokens: 1, status: 500);
        var r = CliRunner.Run("bench-serve", "--url", server.Url, "--requests", "3");
        Assert.Equal(1, r.ExitCode);
        var line = Assert.Single(r.ErrorLines);
        Assert.Contains("no request", line);
        Assert.Contains("(3 failed)", line);
        Assert.Contains("HTTP 500", line);
        Assert.Contains("canned failure", line);
    }

    [Theory]
    [InlineData("--url", "localhost:8080")]
    [InlineData("--url", "http://127.0.0.1:8080", "--prompt-tokens", "8", "--shared-prefix", "8")]
    [InlineData("--url", "http://127.0.0.1:8080", "--prefixes", "4")]
    [InlineData("--url", "http://127.0.0.1:8080", "--endpoint", "embeddings")]
    [InlineData("--clients", "2")]
    public void Bad_options_are_usage_errors(params string[] args)
    {
        var r = CliRunner.Run(["bench-serve", .. args]);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("spindle: error: ", Assert.Single(r.ErrorLines));
    }
}
