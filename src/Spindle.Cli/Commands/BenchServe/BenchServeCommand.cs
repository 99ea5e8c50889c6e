using System.CommandLine;
using System.Globalization;
using System.Net;
using Spectre.Console;
using Spindle.Cli.Options;

namespace Spindle.Cli.Commands.BenchServe;

/// <summary>
/// `spindle bench-serve --url URL [--clients N] [--requests R] ...`: load on an OpenAI-compatible server (llama-server,
/// Spindle's own, vLLM...) from N concurrent streaming clients, reported as throughput, TTFT and inter-token latency;
/// with --shared-prefix/--prefixes, TTFT on first and repeat use of a prefix and the server's prefix-cache hit rate.
/// </summary>
internal static class BenchServeCommand
{
    /// <summary>The exit code of a run Ctrl-C ended (128 + SIGINT, as shells report it); what was measured is still printed.</summary>
    public const int InterruptedExitCode = 130;

    public static Command Create(CliContext context)
    {
        var url = new Option<string>("--url") { Description = "The server's base address, e.g. http://127.0.0.1:8080 (a trailing /v1 is accepted)", Required = true };
        var apiKey = new Option<string?>("--api-key") { Description = "Sent as 'Authorization: Bearer KEY'" };
        var clients = NumericOption.Int("--clients", "Concurrent clients, each with one request in flight at a time", NumericRange.Integers(1, 1024), 1);
        var requests = NumericOption.Int("--requests", "Requests in total, across all clients", NumericRange.Integers(1, 1_000_000), 16, "-r");
        var promptTokens = NumericOption.Int("--prompt-tokens", "Prompt length in tokens, approximately (one short word each); the server's count is reported", NumericRange.Integers(1, 1_000_000), 128, "-p");
        var maxTokens = NumericOption.Int("--max-tokens", "Tokens to generate per request (max_tokens, with ignore_eos)", NumericRange.Integers(1, 1_000_000), 64, "-n");
        var sharedPrefix = NumericOption.Int("--shared-prefix", "Tokens (approximately) at the start of every prompt that requests share, for prefix caching; 0: every prompt distinct", NumericRange.Integers(0, 1_000_000), 0);
        var prefixes = NumericOption.Int("--prefixes", "Distinct shared prefixes; request i uses prefix i mod K", NumericRange.Integers(1, 1_000_000), 1);
        var model = new Option<string?>("--model") { Description = "The model name sent with each request (omitted when not given; llama-server ignores it)" };
        var endpoint = new Option<string>("--endpoint") { Description = "completions: /v1/completions with a prompt; chat: /v1/chat/completions with one user message", DefaultValueFactory = _ => "completions" };
        endpoint.AcceptOnlyFromAmong("completions", "chat");
        var seed = NumericOption.OptionalInt("--seed", "Seed of the prompts' words (also sent as the requests' seed); the same seed sends the same prompts, which a server may still hold in its prefix cache from an earlier run (default: a random seed, reported)", NumericRange.Integers(0, int.MaxValue));
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of tables (and no progress bar)" };

        var command = new Command("bench-serve", "Load-test an OpenAI-compatible server: throughput, time to first token and inter-token latency from N streaming clients");
        foreach (var o in new Option[] { url, apiKey, clients, requests, promptTokens, maxTokens, sharedPrefix, prefixes, model, endpoint, seed, json })
            command.Options.Add(o);
        command.SetAction(parse =>
        {
            var settings = new BenchServeSettings
            {
                BaseUrl = BenchServeSettings.ParseBaseUrl(parse.GetValue(url)!),
                ApiKey = parse.GetValue(apiKey),
                Clients = parse.GetValue(clients),
                Requests = parse.GetValue(requests),
                PromptTokens = parse.GetValue(promptTokens),
                MaxTokens = parse.GetValue(maxTokens),
                SharedPrefixTokens = parse.GetValue(sharedPrefix),
                Prefixes = parse.GetValue(prefixes),
                Model = parse.GetValue(model),
                Endpoint = parse.GetValue(endpoint) == "chat" ? ServerEndpoint.Chat : ServerEndpoint.Completions,
                Seed = parse.GetValue(seed) ?? Random.Shared.Next(),
            };
            if (settings.SharedPrefixTokens >= settings.PromptTokens)
                throw new CliException($"--shared-prefix {settings.SharedPrefixTokens} leaves no distinct part in a {settings.PromptTokens}-token prompt (--prompt-tokens)");
            if (settings.Prefixes > 1 && settings.SharedPrefixTokens == 0)
                throw new CliException("--prefixes needs --shared-prefix (the size of each prefix)");
            using var cancel = new ConsoleCancellation(context);
            // Off the caller's synchronization context: the run awaits network I/O and this thread blocks on it.
            return Task.Run(() => RunAsync(context, settings, parse.GetValue(json), cancel.Token)).GetAwaiter().GetResult();
        });
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, BenchServeSettings settings, bool json, CancellationToken cancellationToken)
    {
        var prompts = new PromptSynthesizer(settings.Seed, settings.PromptTokens, settings.SharedPrefixTokens, settings.SharedPrefixTokens > 0 ? settings.Prefixes : 1);
        using var http = CreateClient(settings.Clients);
        LoadRun run;
        if (!json && context.OutIsTerminal) run = await RunWithProgressBarAsync(context, http, settings, prompts, cancellationToken).ConfigureAwait(false);
        else run = await LoadGenerator.RunAsync(http, settings, prompts, null, cancellationToken).ConfigureAwait(false);

        var report = BenchServeReport.From(settings, run);
        if (report.Completed == 0 && report.Errors > 0 && !run.Interrupted)
        {
            // HttpRequestException: ErrorReporter's one line and exit code 1, as for a missing file.
            string what = run.Unreachable ? $"cannot reach {settings.RequestUrl}" : $"no request to {settings.RequestUrl} succeeded ({report.Errors} failed)";
            throw new HttpRequestException($"{what}: {report.FirstError}");
        }
        if (json) context.Out.WriteLine(BenchServeJson.Write(report));
        else BenchServeTable.Write(context.CreateConsole(), report);
        context.Out.Flush();
        if (!run.Interrupted) return 0;
        context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"interrupted: {report.Completed} of {settings.Requests} requests completed; the figures cover those"));
        return InterruptedExitCode;
    }

    private static async Task<LoadRun> RunWithProgressBarAsync(CliContext context, HttpClient http, BenchServeSettings settings,
        PromptSynthesizer prompts, CancellationToken cancellationToken)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Detect,
            ColorSystem = ColorSystemSupport.Detect,
            Out = new AnsiConsoleOutput(context.Out),
        });
        LoadRun? run = null;
        int errors = 0;
        await console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 30 },
                new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask(Description(settings.Requests, 0), maxValue: settings.Requests);
                run = await LoadGenerator.RunAsync(http, settings, prompts, outcome =>
                {
                    if (outcome.Error is not null) task.Description = Description(settings.Requests, Interlocked.Increment(ref errors));
                    task.Increment(1);
                }, cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
        return run!;
    }

    private static string Description(int requests, int errors) =>
        errors == 0 ? $"{requests} requests" : $"{requests} requests, {errors} errors";

    /// <summary>
    /// One connection per client (a request holds its connection while it streams), recycled after a while as
    /// SocketsHttpHandler recommends. No proxy: the benchmark measures the server, not a proxy in between; no overall
    /// timeout, since a long generation is not a failure (Ctrl-C stops a stuck run), but connecting has one.
    /// </summary>
    private static HttpClient CreateClient(int clients) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = clients,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };
}
