using System.Text.Json.Nodes;
using Spindle.Generation;
using Spindle.Sampling;
using Spindle.Server.Models;

namespace Spindle.Server.Protocol;

/// <summary>
/// The generation fields chat and legacy completions share, read from a request body into <see cref="GenerationOptions"/>
/// with OpenAI's defaults (temperature 1, top_p 1, no top-k or min-p) and OpenAI's ranges; Spindle's extensions
/// (<c>top_k</c>, <c>min_p</c>, <c>typical_p</c>, <c>repeat_penalty</c>, <c>mirostat</c>, <c>regex</c>, <c>grammar</c>,
/// <c>ignore_eos</c>, <c>draft</c>, <c>watermark</c>) sit beside them. The watermark (<see cref="WatermarkRequest"/>) goes into
/// the options, so the batch engine builds it into each choice's sampler chain with the constraint and any speculation.
/// </summary>
internal sealed record SamplingRequest
{
    public required GenerationOptions Options { get; init; }

    public int Choices { get; init; } = 1;

    public bool Stream { get; init; }

    public bool IncludeUsage { get; init; }

    /// <summary>The field that set the output constraint (for an error that names it), or null.</summary>
    public string? ConstraintParam { get; init; }

    /// <summary>Whether the output is constrained to JSON (response_format json_object or json_schema).</summary>
    public bool JsonOutput { get; init; }

    /// <summary>Whether the response lists each token's logprob (and <see cref="GenerationOptions.TopLogprobs"/> alternatives).</summary>
    public bool Logprobs { get; init; }

    /// <param name="chat">Chat's <c>logprobs</c> is a boolean with <c>top_logprobs</c>; the legacy endpoint's is the count.</param>
    public static SamplingRequest Parse(JsonObject body, ServedModel model, int promptTokens, int maxChoices, bool chat)
    {
        var watermark = WatermarkRequest.Parse(body);
        bool? draft = JsonFields.Bool(body, "draft");
        if (draft == true && model.Speculation is null)
            throw OpenAIException.Invalid("draft", $"model '{model.Alias}' has no drafter (start the server with --draft, --lookup or --recycle)", "unsupported_parameter");
        if (body["echo"] is JsonValue echo && echo.GetValueKind() == System.Text.Json.JsonValueKind.True)
            throw OpenAIException.Invalid("echo", "'echo' is not supported", "unsupported_parameter");

        int context = model.Engine.ContextLength;
        int room = Math.Max(0, context - promptTokens);
        int? maxTokens = JsonFields.Int(body, "max_completion_tokens", 0, int.MaxValue)
            ?? JsonFields.Int(body, "max_tokens", 0, int.MaxValue)
            ?? JsonFields.Int(body, "n_predict", -1, int.MaxValue);
        if (maxTokens is null or < 0 || maxTokens > room) maxTokens = room;

        var vocabulary = model.Model.Vocabulary;
        var bias = new Dictionary<int, float>();
        if (JsonFields.Object(body, "logit_bias") is { } biasObject)
        {
            foreach (var (key, value) in biasObject)
            {
                if (!int.TryParse(key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int id) || !vocabulary.IsValid(id))
                    throw OpenAIException.Invalid("logit_bias", $"'logit_bias' key '{key}' is not a token id of this model (0 … {vocabulary.Count - 1})");
                if (value is not JsonValue v || !v.TryGetValue(out double b) || !(b >= -100 && b <= 100))
                    throw OpenAIException.Invalid("logit_bias", $"'logit_bias' of token {id} must be a number between -100 and 100");
                bias[id] = (float)b;
            }
        }
        if (JsonFields.Bool(body, "ignore_eos") == true)
            foreach (int id in vocabulary.EndOfGenerationIds) bias[id] = float.NegativeInfinity;

        var stops = new List<string>();
        switch (body["stop"])
        {
            case null:
                break;
            case JsonValue v when v.TryGetValue(out string? one):
                if (one.Length == 0) throw OpenAIException.Invalid("stop", "'stop' must not be empty");
                stops.Add(one);
                break;
            case JsonArray array:
                if (array.Count > 16) throw OpenAIException.Invalid("stop", "'stop' may hold at most 16 strings");
                foreach (var item in array)
                {
                    if (item is not JsonValue sv || !sv.TryGetValue(out string? s) || s.Length == 0)
                        throw OpenAIException.Invalid("stop", "'stop' must be a string or an array of non-empty strings");
                    stops.Add(s);
                }
                break;
            default:
                throw OpenAIException.Invalid("stop", "'stop' must be a string or an array of strings", "invalid_type");
        }

        long? seed = body["seed"] is null ? null : JsonFields.Int64(body, "seed");
        var sampling = new SamplingOptions
        {
            Temperature = (float)(JsonFields.Number(body, "temperature", 0, 2) ?? 1),
            TopP = (float)(JsonFields.Number(body, "top_p", 0, 1) ?? 1),
            TopK = JsonFields.Int(body, "top_k", 0, vocabulary.Count) ?? 0,
            MinP = (float)(JsonFields.Number(body, "min_p", 0, 1) ?? 0),
            TypicalP = (float)(JsonFields.Number(body, "typical_p", 0, 1) ?? 1),
            PresencePenalty = (float)(JsonFields.Number(body, "presence_penalty", -2, 2) ?? 0),
            FrequencyPenalty = (float)(JsonFields.Number(body, "frequency_penalty", -2, 2) ?? 0),
            RepetitionPenalty = (float)(JsonFields.Number(body, "repeat_penalty", 0, 10) ?? 1),
            Mirostat = JsonFields.Int(body, "mirostat", 0, 2) ?? 0,
            MirostatTau = (float)(JsonFields.Number(body, "mirostat_tau", 0, 100) ?? 5),
            MirostatEta = (float)(JsonFields.Number(body, "mirostat_eta", 0, 1) ?? 0.1),
            LogitBias = bias,
            Seed = seed is { } s64 ? unchecked((ulong)s64) : (ulong)Random.Shared.NextInt64(),
        };
        if (sampling.TopP == 0) sampling = sampling with { TopP = float.Epsilon };
        // Greedy requests (temperature 0) keep the greedy pick under synthid and are not watermarked, as in SGLang.
        if (watermark is Watermarking.Tournament.TournamentOptions && sampling.Mirostat != 0)
            throw OpenAIException.Invalid("watermark.scheme", "'watermark.scheme' synthid replaces the sampling picker; it does not combine with 'mirostat'");

        ConstraintSpec? constraint = null;
        string? constraintParam = null;
        bool json = false;
        void SetConstraint(ConstraintSpec spec, string param)
        {
            if (constraint is not null)
                throw OpenAIException.Invalid(param, $"'{param}' and '{constraintParam}' both constrain the output; give one");
            constraint = spec;
            constraintParam = param;
        }
        if (JsonFields.Object(body, "response_format") is { } format)
        {
            string? type = JsonFields.String(format, "type");
            switch (type)
            {
                case "text" or null:
                    break;
                case "json_object":
                    SetConstraint(ConstraintSpec.JsonSchema("{\"type\":\"object\"}"), "response_format");
                    json = true;
                    break;
                case "json_schema":
                    var spec = JsonFields.Object(format, "json_schema")
                        ?? throw OpenAIException.Invalid("response_format.json_schema", "'response_format' of type json_schema needs a 'json_schema' object");
                    var schema = spec["schema"] ?? throw OpenAIException.Invalid("response_format.json_schema.schema", "'json_schema' needs a 'schema'");
                    SetConstraint(ConstraintSpec.JsonSchema(schema.ToJsonString()), "response_format.json_schema.schema");
                    json = true;
                    break;
                default:
                    throw OpenAIException.Invalid("response_format.type", $"'response_format.type' is '{type}'; expected text, json_object or json_schema");
            }
        }
        if (JsonFields.String(body, "regex") is { } regex) SetConstraint(ConstraintSpec.Regex(regex), "regex");
        if (JsonFields.String(body, "grammar") is { } grammar) SetConstraint(ConstraintSpec.Grammar(grammar), "grammar");

        int choices = JsonFields.Int(body, "n", 1, maxChoices) ?? 1;
        bool logprobs;
        int topLogprobs;
        if (chat)
        {
            logprobs = JsonFields.Bool(body, "logprobs") ?? false;
            topLogprobs = JsonFields.Int(body, "top_logprobs", 0, 20) ?? 0;
            if (topLogprobs > 0 && !logprobs) throw OpenAIException.Invalid("top_logprobs", "'top_logprobs' needs 'logprobs': true");
        }
        else
        {
            int? count = JsonFields.Int(body, "logprobs", 0, 20);
            logprobs = count is not null;
            topLogprobs = count ?? 0;
        }
        bool stream = JsonFields.Bool(body, "stream") ?? false;
        bool includeUsage = stream && JsonFields.Object(body, "stream_options") is { } so && JsonFields.Bool(so, "include_usage") == true;
        var options = new GenerationOptions
        {
            MaxTokens = maxTokens.Value,
            Sampling = sampling,
            StopStrings = stops,
            TopLogprobs = logprobs ? Math.Max(topLogprobs, 0) : 0,
            Constraint = constraint,
            Watermark = watermark,
            // Speculation is lossless, so it is on unless the request opts out.
            Speculation = draft == false ? null : model.Speculation,
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw OpenAIException.Invalid(e is ArgumentOutOfRangeException r ? r.ParamName : null, e.Message);
        }
        return new SamplingRequest
        {
            Options = options, Choices = choices, Stream = stream, IncludeUsage = includeUsage,
            ConstraintParam = constraintParam, JsonOutput = json, Logprobs = logprobs,
        };
    }
}
