using System.Text.Json.Nodes;

namespace Spindle.Chat;

/// <summary>The variables a chat template is rendered with besides <c>messages</c>.</summary>
public sealed record ChatTemplateOptions
{
    /// <summary><c>add_generation_prompt</c>: end with the header that opens the assistant's reply.</summary>
    public bool AddGenerationPrompt { get; init; }

    /// <summary><c>bos_token</c>, usually the model's BOS text (e.g. "&lt;s&gt;").</summary>
    public string BosToken { get; init; } = "";

    /// <summary><c>eos_token</c>.</summary>
    public string EosToken { get; init; } = "";

    /// <summary>
    /// <c>tools</c>: JSON schemas of callable functions. When null the variable is left undefined (<c>tools is defined</c>
    /// is false), as the reference renderings were made; transformers itself would pass <c>none</c>.
    /// </summary>
    public IReadOnlyList<JsonNode?>? Tools { get; init; }

    /// <summary>Further template variables (e.g. <c>documents</c>, <c>enable_thinking</c>); they override the above.</summary>
    public IReadOnlyDictionary<string, JsonNode?>? ExtraVariables { get; init; }

    /// <summary>The clock behind <c>strftime_now(fmt)</c>; local time now when null. Inject it for reproducible output.</summary>
    public Func<DateTime>? Now { get; init; }

    /// <summary>What the render may spend (depth, steps, loop passes, output and value sizes, memory).</summary>
    public ChatTemplateLimits Limits { get; init; } = ChatTemplateLimits.Default;
}
