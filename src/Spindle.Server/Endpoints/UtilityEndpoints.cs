using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Spindle.Server.Hosting;
using Spindle.Server.Models;
using Spindle.Server.Protocol;

namespace Spindle.Server.Endpoints;

/// <summary>
/// <c>GET /v1/models</c>, <c>GET /health</c>, and llama-server's <c>POST /tokenize</c>, <c>POST /detokenize</c> and
/// <c>POST /apply-template</c> (each takes an optional <c>model</c>).
/// </summary>
internal sealed class UtilityEndpoints(ModelRegistry registry, SpindleServerOptions options)
{
    private static readonly long Started = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public async Task ModelsAsync(HttpContext context)
    {
        await WriteAsync(context, json =>
        {
            json.WriteStartObject();
            json.WriteString("object", "list");
            json.WriteStartArray("data");
            foreach (string alias in registry.Aliases)
            {
                json.WriteStartObject();
                json.WriteString("id", alias);
                json.WriteString("object", "model");
                json.WriteNumber("created", Started);
                json.WriteString("owned_by", "spindle");
                json.WriteBoolean("loaded", registry.IsLoaded(alias));
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }).ConfigureAwait(false);
    }

    public Task HealthAsync(HttpContext context) => WriteAsync(context, json =>
    {
        json.WriteStartObject();
        json.WriteString("status", "ok");
        json.WriteStartArray("loaded");
        foreach (var model in registry.Loaded)
        {
            var stats = model.Engine.Stats;
            json.WriteStartObject();
            json.WriteString("model", model.Alias);
            json.WriteNumber("active_sequences", stats.ActiveSequences);
            json.WriteNumber("queued_requests", stats.QueuedRequests);
            json.WriteNumber("kv_blocks_in_use", stats.KvBlocksInUse);
            json.WriteNumber("kv_blocks_total", stats.KvBlocksTotal);
            json.WriteNumber("prefix_cache_blocks", stats.CachedPrefixBlocks);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    });

    public async Task TokenizeAsync(HttpContext context)
    {
        var body = await RequestBody.ReadJsonAsync(context, options.MaxRequestBodyBytes).ConfigureAwait(false);
        string content = JsonFields.String(body, "content") ?? throw OpenAIException.Invalid("content", "'content' is required", "missing_required_parameter");
        bool addSpecial = JsonFields.Bool(body, "add_special") ?? false;
        bool parseSpecial = JsonFields.Bool(body, "parse_special") ?? true;
        bool withPieces = JsonFields.Bool(body, "with_pieces") ?? false;
        using var lease = await registry.AcquireAsync(JsonFields.String(body, "model"), context.RequestAborted).ConfigureAwait(false);
        var tokenizer = lease.Model.Model.Tokenizer;
        int[] tokens = tokenizer.Encode(content, addSpecial, parseSpecial);
        await WriteAsync(context, json =>
        {
            json.WriteStartObject();
            json.WriteStartArray("tokens");
            foreach (int id in tokens)
            {
                if (!withPieces)
                {
                    json.WriteNumberValue(id);
                    continue;
                }
                json.WriteStartObject();
                json.WriteNumber("id", id);
                json.WriteString("piece", Encoding.UTF8.GetString(tokenizer.TokenToPiece(id, special: true)));
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }).ConfigureAwait(false);
    }

    public async Task DetokenizeAsync(HttpContext context)
    {
        var body = await RequestBody.ReadJsonAsync(context, options.MaxRequestBodyBytes).ConfigureAwait(false);
        var array = JsonFields.Array(body, "tokens") ?? throw OpenAIException.Invalid("tokens", "'tokens' is required", "missing_required_parameter");
        using var lease = await registry.AcquireAsync(JsonFields.String(body, "model"), context.RequestAborted).ConfigureAwait(false);
        var model = lease.Model.Model;
        var ids = new int[array.Count];
        for (int i = 0; i < ids.Length; i++)
        {
            if (array[i] is not JsonValue v || !v.TryGetValue(out int id) || !model.Vocabulary.IsValid(id))
                throw OpenAIException.Invalid("tokens", $"'tokens[{i}]' is not a token id of this model (0 … {model.Vocabulary.Count - 1})");
            ids[i] = id;
        }
        string text = model.Tokenizer.Decode(ids);
        await WriteAsync(context, json =>
        {
            json.WriteStartObject();
            json.WriteString("content", text);
            json.WriteEndObject();
        }).ConfigureAwait(false);
    }

    public async Task ApplyTemplateAsync(HttpContext context)
    {
        var body = await RequestBody.ReadJsonAsync(context, options.MaxRequestBodyBytes).ConfigureAwait(false);
        var messages = ChatRequestMessages.Parse(body);
        using var lease = await registry.AcquireAsync(JsonFields.String(body, "model"), context.RequestAborted).ConfigureAwait(false);
        string prompt = lease.Model.Model.RenderChat(messages, context.RequestAborted);
        await WriteAsync(context, json =>
        {
            json.WriteStartObject();
            json.WriteString("prompt", prompt);
            json.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static async Task WriteAsync(HttpContext context, Action<Utf8JsonWriter> write)
    {
        context.Response.ContentType = "application/json";
        using (var json = new Utf8JsonWriter(context.Response.BodyWriter)) write(json);
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}
