using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Spindle.Chat;
using Spindle.Chat.Tools;
using Spindle.Constraints;
using Spindle.Server.Hosting;
using Spindle.Server.Models;
using Spindle.Server.Protocol;
using Spindle.Server.Telemetry;
using Spindle.Serving;

namespace Spindle.Server.Endpoints;

/// <summary><c>POST /v1/chat/completions</c> and <c>POST /v1/completions</c>.</summary>
internal sealed class GenerationEndpoints(ModelRegistry registry, SpindleServerOptions options, ServerMetrics metrics)
{
    public async Task ChatAsync(HttpContext context)
    {
        long start = Stopwatch.GetTimestamp();
        var body = await RequestBody.ReadJsonAsync(context, options.MaxRequestBodyBytes).ConfigureAwait(false);
        var messages = ChatRequestMessages.Parse(body);
        var tools = ParseTools(body);
        using var lease = await registry.AcquireAsync(JsonFields.String(body, "model"), context.RequestAborted).ConfigureAwait(false);
        var served = lease.Model;
        int[] prompt = served.Model.EncodeChat(messages, tools, cancellationToken: context.RequestAborted);
        await RunAsync(context, served, body, prompt, chat: true, tools, start).ConfigureAwait(false);
    }

    public async Task CompletionsAsync(HttpContext context)
    {
        long start = Stopwatch.GetTimestamp();
        var body = await RequestBody.ReadJsonAsync(context, options.MaxRequestBodyBytes).ConfigureAwait(false);
        using var lease = await registry.AcquireAsync(JsonFields.String(body, "model"), context.RequestAborted).ConfigureAwait(false);
        var served = lease.Model;
        int[] prompt = PromptTokens(body, served);
        await RunAsync(context, served, body, prompt, chat: false, tools: null, start).ConfigureAwait(false);
    }

    private async Task RunAsync(HttpContext context, ServedModel served, JsonObject body, int[] prompt, bool chat, ToolCallProtocol? tools, long start)
    {
        int contextLength = served.Engine.ContextLength;
        if (prompt.Length >= contextLength)
            throw OpenAIException.Invalid(chat ? "messages" : "prompt",
                $"the prompt has {prompt.Length} tokens and this model's context holds {contextLength}; shorten the prompt (it is not truncated)",
                "context_length_exceeded");
        var request = SamplingRequest.Parse(body, served, prompt.Length, options.Parallel, chat);
        if (tools?.Constraint is not null)
        {
            if (request.ConstraintParam is not null)
                throw OpenAIException.Invalid(request.ConstraintParam, $"'{request.ConstraintParam}' cannot be combined with tool_choice {tools.Choice.Mode.ToString().ToLowerInvariant()}");
            request = request with { Options = tools.ApplyTo(request.Options), ConstraintParam = "tools" };
        }
        GenerationStream stream;
        try
        {
            stream = served.Engine.Submit(prompt, request.Options, request.Choices, context.RequestAborted);
        }
        catch (Exception e) when (e is GrammarException or Spindle.Constraints.JsonSchema.Compilation.JsonSchemaCompileException)
        {
            throw OpenAIException.Invalid(request.ConstraintParam, $"'{request.ConstraintParam}' cannot be compiled: {e.Message}",
                request.JsonOutput || request.ConstraintParam == "tools" ? "invalid_schema" : "invalid_grammar");
        }
        var responder = new CompletionResponder(context, served, request, metrics, chat, tools, prompt.Length, start);
        await responder.RespondAsync(stream).ConfigureAwait(false);
    }

    private static ToolCallProtocol? ParseTools(JsonObject body)
    {
        var array = JsonFields.Array(body, "tools");
        if (array is null || array.Count == 0)
        {
            if (body["tool_choice"] is JsonValue v && v.TryGetValue(out string? s) && s is "required")
                throw OpenAIException.Invalid("tool_choice", "tool_choice 'required' needs 'tools'");
            return null;
        }
        var definitions = new List<ToolDefinition>(array.Count);
        for (int i = 0; i < array.Count; i++)
        {
            if (array[i] is not JsonObject tool) throw OpenAIException.Invalid($"tools[{i}]", $"'tools[{i}]' must be an object", "invalid_type");
            try
            {
                definitions.Add(ToolDefinition.FromJson(tool));
            }
            catch (FormatException e)
            {
                throw OpenAIException.Invalid($"tools[{i}]", $"'tools[{i}]': {e.Message}");
            }
        }
        ToolChoice choice;
        try
        {
            choice = ToolChoice.FromJson(body["tool_choice"]);
        }
        catch (FormatException e)
        {
            throw OpenAIException.Invalid("tool_choice", e.Message);
        }
        bool parallel = JsonFields.Bool(body, "parallel_tool_calls") ?? true;
        try
        {
            // A bound on the calls of one reply: a small model may never close an open-ended array.
            return new ToolCallProtocol(definitions, choice, parallel, maxParallelCalls: 8);
        }
        catch (ArgumentException e)
        {
            throw OpenAIException.Invalid(e.ParamName == "choice" ? "tool_choice" : "tools", e.Message);
        }
    }

    /// <summary>The legacy endpoint's <c>prompt</c>: a string, an array of token ids, or an array of one of either.</summary>
    private static int[] PromptTokens(JsonObject body, ServedModel served)
    {
        var node = body["prompt"] ?? throw OpenAIException.Invalid("prompt", "'prompt' is required", "missing_required_parameter");
        if (node is JsonArray { Count: 1 } single && single[0] is JsonValue or JsonArray && !(single[0] is JsonValue sv && sv.GetValueKind() == System.Text.Json.JsonValueKind.Number))
            node = single[0]!;
        switch (node)
        {
            case JsonValue v when v.TryGetValue(out string? text):
                var tokens = served.Model.EncodePrompt(text);
                if (tokens.Length == 0) throw OpenAIException.Invalid("prompt", "'prompt' has no tokens");
                return tokens;
            case JsonArray ids when ids.Count > 0:
                var result = new int[ids.Count];
                for (int i = 0; i < ids.Count; i++)
                {
                    if (ids[i] is not JsonValue idv || !idv.TryGetValue(out int id) || !served.Model.Vocabulary.IsValid(id))
                        throw OpenAIException.Invalid("prompt", $"'prompt[{i}]' is not a token id of this model (0 … {served.Model.Vocabulary.Count - 1}); give a string, token ids, or one of either");
                    result[i] = id;
                }
                return result;
            default:
                throw OpenAIException.Invalid("prompt", "'prompt' must be a string or an array of token ids (one prompt per request)", "invalid_type");
        }
    }
}
