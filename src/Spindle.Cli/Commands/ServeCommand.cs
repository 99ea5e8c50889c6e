using System.CommandLine;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spindle.Cli.Options;
using Spindle.Server;

namespace Spindle.Cli.Commands;

/// <summary>
/// `spindle serve`: the OpenAI-compatible server (library Spindle.Server) on Kestrel. A thin host: the options become
/// <see cref="SpindleServerOptions"/>, and <c>AddSpindle</c> / <c>MapSpindleOpenAI</c> do the rest. Ctrl-C stops
/// accepting connections and lets running streams finish (up to the shutdown timeout) before the models unload.
/// </summary>
internal static class ServeCommand
{
    public static Command Create(CliContext context)
    {
        var models = new Option<string[]>("--model", "-m") { Description = "A GGUF file (or Hugging Face folder) to serve; repeat for several. Requests pick one by file name without extension", AllowMultipleArgumentsPerToken = false };
        var modelsDir = new Option<string?>("--models-dir") { Description = "Serve every .gguf file in this folder too (each loads on first use)" };
        var host = new Option<string>("--host") { Description = "Address to listen on", DefaultValueFactory = _ => "127.0.0.1" };
        var port = NumericOption.Int("--port", "Port to listen on (0: any free port, printed at start)", NumericRange.Integers(0, 65535), 8080);
        var apiKey = new Option<string?>("--api-key") { Description = "Require 'Authorization: Bearer KEY' on API requests (or set SPINDLE_API_KEY)" };
        var parallel = NumericOption.Int("--parallel", "Sequences decoded together per model (continuous batching)", NumericRange.Integers(1, 256), 8, "-np");
        var ctxSize = NumericOption.OptionalInt("--ctx-size", "Context of each sequence (prompt + output); default: the model's, at most 4096", NumericRange.Integers(16, 1 << 20), "-c");
        var kvSize = NumericOption.OptionalInt("--kv-size", "Token slots in each model's KV block pool (sequences + prefix cache); default: parallel × ctx-size", NumericRange.Integers(32, 1 << 26));
        var threads = ModelCommandOptions.Threads();
        var budget = new Option<string?>("--memory-budget") { Description = "Bytes all loaded models may take (weights + KV pool), e.g. 4G; the least recently used idle model is unloaded beyond it" };
        var stepTokens = NumericOption.Int("--step-tokens", "Tokens per forward pass while sequences decode, prompt chunks included (chunked prefill: smaller keeps streams steadier, larger gives first tokens sooner)", NumericRange.Integers(1, 1 << 16), 64);
        var maxQueue = NumericOption.Int("--max-queue", "Requests that may wait per model before HTTP 429", NumericRange.Integers(0, 1 << 20), 64);
        var template = ChatTemplateFile.Create();
        var cacheTypes = new CacheTypeOptions();
        var speculation = new SpeculationFlags();

        var command = new Command("serve", "Serve models over an OpenAI-compatible HTTP API with continuous batching, a prefix cache and a chat page at /");
        foreach (var o in new Option[] { models, modelsDir, host, port, apiKey, parallel, ctxSize, kvSize, threads, budget, stepTokens, maxQueue, template })
            command.Options.Add(o);
        foreach (var o in cacheTypes.All) command.Options.Add(o);
        foreach (var o in speculation.All) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var speculative = speculation.ParseForServer(parse, out string? draftPath);
            var given = parse.GetValue(models) ?? [];
            string? dir = parse.GetValue(modelsDir);
            var paths = given.Length > 0 || dir is not null ? given : [ModelPathResolver.Resolve(null)];
            foreach (string path in paths)
                if (!File.Exists(path) && !Directory.Exists(path)) throw new CliException($"model file not found: {path}");
            if (dir is not null && !Directory.Exists(dir)) throw new CliException($"--models-dir: folder not found: {dir}");
            int portValue = parse.GetValue(port);
            string chatTemplate = ChatTemplateFile.Read(parse.GetValue(template)) ?? "";
            var cacheFormat = cacheTypes.Parse(parse);
            long? memoryBudget = parse.GetValue(budget) is { } b ? ParseBytes(b) : null;

            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Logging.AddFilter("Spindle", LogLevel.Information);
            builder.WebHost.UseUrls($"http://{FormatHost(parse.GetValue(host)!)}:{portValue}");
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
            builder.Services.AddSpindle(o =>
            {
                o.Models.AddRange(paths);
                o.ModelsDirectory = dir;
                o.ApiKey = parse.GetValue(apiKey) ?? NullIfEmpty(Environment.GetEnvironmentVariable("SPINDLE_API_KEY"));
                o.Parallel = parse.GetValue(parallel);
                o.ContextLength = parse.GetValue(ctxSize);
                o.KvSlots = parse.GetValue(kvSize);
                o.Threads = parse.GetValue(threads);
                o.MemoryBudget = memoryBudget;
                o.StepTokenBudget = parse.GetValue(stepTokens);
                o.MaxQueuedRequests = parse.GetValue(maxQueue);
                o.CacheFormat = cacheFormat;
                o.ChatTemplate = chatTemplate.Length > 0 ? chatTemplate : null;
                o.Speculation = speculative;
                o.DraftModelPath = draftPath;
            });
            var app = builder.Build();
            app.MapSpindleOpenAI();
            app.Start();
            foreach (string url in app.Urls) context.Out.WriteLine($"spindle serve: listening on {url} (OpenAI API at {url}/v1, chat page at {url}/)");
            context.Out.Flush();
            app.WaitForShutdown();
            (app as IDisposable).Dispose();
            return 0;
        });
        return command;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static string FormatHost(string host) => host.Contains(':') && !host.StartsWith('[') ? $"[{host}]" : host;

    /// <summary>Bytes with an optional K, M, G or T suffix (powers of 1024).</summary>
    internal static long ParseBytes(string text)
    {
        string t = text.Trim();
        long scale = 1;
        if (t.Length > 0 && char.IsLetter(t[^1]))
        {
            scale = char.ToUpperInvariant(t[^1]) switch
            {
                'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, 'T' => 1L << 40,
                _ => throw new CliException($"--memory-budget '{text}': the suffix must be K, M, G or T"),
            };
            t = t[..^1];
        }
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || value <= 0 || value * scale > long.MaxValue)
            throw new CliException($"--memory-budget '{text}' is not a positive size in bytes (e.g. 4G, 512M)");
        return (long)(value * scale);
    }
}
