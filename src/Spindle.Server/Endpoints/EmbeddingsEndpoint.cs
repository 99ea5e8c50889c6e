using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Spindle.Generation;
using Spindle.Server.Hosting;
using Spindle.Server.Models;
using Spindle.Server.Protocol;
using Spindle.Server.Telemetry;

namespace Spindle.Server.Endpoints;

/// <summary>
/// <c>POST /v1/embeddings</c>: the mean of the model's final hidden states over each input's tokens, L2-normalised
/// (<see cref="TextEmbedder"/>), optionally cut to <c>dimensions</c> and renormalised; floats or base64.
/// </summary>
internal sealed class EmbeddingsEndpoint(ModelRegistry registry, SpindleServerOptions options, ServerMetrics metrics)
{
    public const int MaxInputs = 2048;

    public async Task HandleAsync(HttpContext context)
    {
        var body = await RequestBody.ReadJsonAsync(context, options.MaxRequestBodyBytes).ConfigureAwait(false);
        using var lease = await registry.AcquireAsync(JsonFields.String(body, "model"), context.RequestAborted).ConfigureAwait(false);
        var served = lease.Model;
        var inputs = Inputs(body, served);
        int width = served.Model.Model.Config.EmbeddingLength;
        int? dimensions = JsonFields.Int(body, "dimensions", 1, width);
        string format = JsonFields.String(body, "encoding_format") ?? "float";
        if (format is not ("float" or "base64"))
            throw OpenAIException.Invalid("encoding_format", $"'encoding_format' is '{format}'; expected float or base64");
        int limit = served.Engine.ContextLength;
        for (int i = 0; i < inputs.Count; i++)
            if (inputs[i].Length > limit)
                throw OpenAIException.Invalid("input", $"input {i} has {inputs[i].Length} tokens; this model's context holds {limit}", "context_length_exceeded");

        // The forward passes run off the request thread; Model.Forward takes turns with the batch engine's steps.
        var vectors = await Task.Run(() =>
        {
            var result = new float[inputs.Count][];
            for (int i = 0; i < inputs.Count; i++)
                result[i] = TextEmbedder.Embed(served.Model, inputs[i], dimensions, context.RequestAborted);
            return result;
        }, context.RequestAborted).ConfigureAwait(false);

        int tokens = 0;
        foreach (var input in inputs) tokens += input.Length;
        var response = context.Response;
        response.ContentType = "application/json";
        using (var json = new Utf8JsonWriter(response.BodyWriter))
        {
            json.WriteStartObject();
            json.WriteString("object", "list");
            json.WriteStartArray("data");
            for (int i = 0; i < vectors.Length; i++)
            {
                json.WriteStartObject();
                json.WriteString("object", "embedding");
                json.WriteNumber("index", i);
                if (format == "base64")
                {
                    json.WriteBase64String("embedding", MemoryMarshal.AsBytes(vectors[i].AsSpan()));
                }
                else
                {
                    json.WriteStartArray("embedding");
                    foreach (float x in vectors[i]) json.WriteNumberValue(x);
                    json.WriteEndArray();
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteString("model", served.Alias);
            json.WriteStartObject("usage");
            json.WriteNumber("prompt_tokens", tokens);
            json.WriteNumber("total_tokens", tokens);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        metrics.Tokens(served.Alias, tokens, 0);
    }

    /// <summary><c>input</c>: a string, an array of strings, an array of token ids, or an array of arrays of token ids.</summary>
    private static List<int[]> Inputs(JsonObject body, ServedModel served)
    {
        var node = body["input"] ?? throw OpenAIException.Invalid("input", "'input' is required", "missing_required_parameter");
        var inputs = new List<int[]>();
        switch (node)
        {
            case JsonValue v when v.TryGetValue(out string? text):
                inputs.Add(Encode(text, served, "input"));
                break;
            case JsonArray array when array.Count > 0:
                if (array.Count > MaxInputs) throw OpenAIException.Invalid("input", $"'input' may hold at most {MaxInputs} items");
                if (array[0] is JsonValue first && first.GetValueKind() == JsonValueKind.Number)
                {
                    inputs.Add(Ids(array, served, "input"));
                    break;
                }
                for (int i = 0; i < array.Count; i++)
                {
                    string param = $"input[{i}]";
                    inputs.Add(array[i] switch
                    {
                        JsonValue s when s.TryGetValue(out string? text) => Encode(text, served, param),
                        JsonArray ids => Ids(ids, served, param),
                        _ => throw OpenAIException.Invalid(param, $"'{param}' must be a string or an array of token ids", "invalid_type"),
                    });
                }
                break;
            default:
                throw OpenAIException.Invalid("input", "'input' must be a string, an array of strings, or token ids", "invalid_type");
        }
        return inputs;
    }

    private static int[] Encode(string text, ServedModel served, string param)
    {
        if (text.Length == 0) throw OpenAIException.Invalid(param, $"'{param}' must not be empty");
        return served.Model.EncodePrompt(text);
    }

    private static int[] Ids(JsonArray array, ServedModel served, string param)
    {
        if (array.Count == 0) throw OpenAIException.Invalid(param, $"'{param}' must not be empty");
        var ids = new int[array.Count];
        for (int i = 0; i < ids.Length; i++)
        {
            if (array[i] is not JsonValue v || !v.TryGetValue(out int id) || !served.Model.Vocabulary.IsValid(id))
                throw OpenAIException.Invalid(param, $"'{param}[{i}]' is not a token id of this model");
            ids[i] = id;
        }
        return ids;
    }
}
