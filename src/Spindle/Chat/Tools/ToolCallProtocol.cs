using System.Text.Json.Nodes;
using Spindle.Constraints.JsonSchema.Compilation;
using Spindle.Generation;

namespace Spindle.Chat.Tools;

/// <summary>
/// Tool calling for one request, shared by <c>SpindleChatClient</c> and the HTTP server: how the tools reach the chat
/// template, what the reply is constrained to, and how calls are read back out of it.
/// <list type="bullet">
/// <item><see cref="ToolChoiceMode.Required"/> / <see cref="ToolChoiceMode.Named"/>: the reply is JSON constrained by
/// <see cref="Constraint"/>: <c>{"name": ..., "arguments": {...}}</c> with the arguments valid under that tool's
/// parameters schema; for Required with parallel calls allowed, an array of one or more such objects.</item>
/// <item><see cref="ToolChoiceMode.Auto"/>: generation is free; <see cref="Parse"/> takes calls from
/// <c>&lt;tool_call&gt;{"name":..,"arguments":..}&lt;/tool_call&gt;</c> blocks (Hermes / Qwen style; several blocks are
/// parallel calls), or from a reply that as a whole is such an object or array naming a known tool (Llama 3.1 writes
/// <c>"parameters"</c>, which is read too; a leading <c>[TOOL_CALLS]</c> is skipped). Anything else is plain text.</item>
/// <item><see cref="ToolChoiceMode.None"/>: the tools are not shown and nothing is parsed.</item>
/// </list>
/// The model learns of the tools through the template's <c>tools</c> variable (<see cref="TemplateTools"/>). A template
/// that never mentions <c>tools</c> (ChatML, Gemma, Phi-3.5, ...) would ignore it, so <see cref="PrepareMessages"/> then
/// describes the tools and the format in a system message (or, when the template shows no system message, before the
/// first user message) and writes earlier calls and results as <c>&lt;tool_call&gt;</c> / <c>&lt;tool_response&gt;</c>
/// text. <see cref="SpindleModel.EncodeChat(IReadOnlyList{ChatMessage}, ToolCallProtocol, GenerationOptions, CancellationToken)"/>
/// does all of this.
/// </summary>
public sealed class ToolCallProtocol
{
    private readonly HashSet<string> _names;

    /// <param name="maxParallelCalls">Required with parallel calls: at most this many calls in one reply (the array's
    /// maxItems); null: any number. A model that rarely writes ']' needs a bound (stories260K never closes the array).</param>
    /// <exception cref="ArgumentException">a tool without a name, two tools with one name, Named naming no tool (or
    /// without a name), or Required/Named without tools.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxParallelCalls"/> below 1.</exception>
    public ToolCallProtocol(IReadOnlyList<ToolDefinition> tools, ToolChoice choice, bool parallelToolCalls = true, int? maxParallelCalls = null)
    {
        if (maxParallelCalls is < 1) throw new ArgumentOutOfRangeException(nameof(maxParallelCalls), maxParallelCalls, "must be at least 1");
        ArgumentNullException.ThrowIfNull(tools);
        ArgumentNullException.ThrowIfNull(choice);
        _names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < tools.Count; i++)
        {
            var tool = tools[i] ?? throw new ArgumentException($"tool {i} is null", nameof(tools));
            if (string.IsNullOrEmpty(tool.Name)) throw new ArgumentException($"tool {i} has an empty name", nameof(tools));
            if (!_names.Add(tool.Name)) throw new ArgumentException($"two tools are named '{tool.Name}'", nameof(tools));
        }
        if (!Enum.IsDefined(choice.Mode)) throw new ArgumentException($"unknown tool choice mode {choice.Mode}", nameof(choice));
        if (choice.Mode is ToolChoiceMode.Required or ToolChoiceMode.Named && tools.Count == 0)
            throw new ArgumentException($"tool choice {choice.Mode} needs at least one tool", nameof(choice));
        if (choice.Mode == ToolChoiceMode.Named && (string.IsNullOrEmpty(choice.FunctionName) || !_names.Contains(choice.FunctionName)))
            throw new ArgumentException($"tool choice names '{choice.FunctionName}', which is not one of the tools ({string.Join(", ", _names)})", nameof(choice));
        Tools = [.. tools];
        Choice = choice;
        ParallelToolCalls = parallelToolCalls;
        TemplateTools = [.. Tools.Select(t => (JsonNode?)t.ToJson())];
        if (choice.Mode is ToolChoiceMode.Required or ToolChoiceMode.Named)
            Constraint = ConstraintSpec.JsonSchema(ToolCallSchema.Build(Tools, choice, parallelToolCalls, maxParallelCalls), propertyOrder: PropertyOrder.Schema);
    }

    public IReadOnlyList<ToolDefinition> Tools { get; }

    public ToolChoice Choice { get; }

    /// <summary>Several calls in one reply may be made (OpenAI's <c>parallel_tool_calls</c>).</summary>
    public bool ParallelToolCalls { get; }

    /// <summary>The tools in OpenAI's shape <c>{"type":"function","function":{"name","description","parameters"}}</c>, for <see cref="ChatTemplateOptions.Tools"/>.</summary>
    public IReadOnlyList<JsonNode?> TemplateTools { get; }

    /// <summary>What the template's <c>tools</c> variable is set to: <see cref="TemplateTools"/>, or null (undefined) for None or no tools.</summary>
    public IReadOnlyList<JsonNode?>? TemplateToolsVariable => Choice.Mode == ToolChoiceMode.None || Tools.Count == 0 ? null : TemplateTools;

    /// <summary>
    /// Required / Named: the JSON Schema constraint on the call JSON (compact, properties in schema order so "name"
    /// comes before "arguments" and a stream can announce the call before its arguments); None / Auto: null.
    /// </summary>
    public ConstraintSpec? Constraint { get; }

    /// <summary>Whether a constrained reply is an array of calls (Required with parallel calls) rather than one call object.</summary>
    public bool RepliesWithArray => Constraint is not null && ParallelToolCalls && Choice.Mode == ToolChoiceMode.Required;

    /// <summary><paramref name="options"/> with <see cref="Constraint"/> in place of theirs, when there is one (a tool call overrides a response format).</summary>
    public GenerationOptions ApplyTo(GenerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Constraint is null ? options : options with { Constraint = Constraint, GrammarAlignment = null };
    }

    /// <summary>The calls in <paramref name="generatedText"/>, each with a new id <c>call_…</c>, and the text left (see the class remarks).</summary>
    public ToolCallParseResult Parse(string generatedText)
    {
        ArgumentNullException.ThrowIfNull(generatedText);
        if (Choice.Mode == ToolChoiceMode.None || Tools.Count == 0) return new ToolCallParseResult([], generatedText);
        return ToolCallParser.Parse(generatedText, _names);
    }

    /// <summary>
    /// The messages to render with <paramref name="template"/>: unchanged when it mentions <c>tools</c>
    /// (<see cref="ChatTemplate.MentionsTools"/>); otherwise with tool calls and results written as text and, unless
    /// the choice is None, <see cref="Instructions"/> in the system message.
    /// </summary>
    public IReadOnlyList<ChatMessage> PrepareMessages(IReadOnlyList<ChatMessage> messages, ChatTemplate template)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(template);
        if (template.MentionsTools) return messages;
        var prepared = PlainTemplateTools.RewriteHistory(messages);
        if (TemplateToolsVariable is not null) PlainTemplateTools.Insert(prepared, Instructions, template);
        return prepared;
    }

    /// <summary>
    /// For a template without tool support: the lines that describe the tools (their OpenAI JSON inside
    /// <c>&lt;tools&gt;</c>) and the format of a call (a <c>&lt;tool_call&gt;</c> block for Auto, the bare JSON the
    /// constraint allows for Required / Named).
    /// </summary>
    public string Instructions => PlainTemplateTools.Instructions(Tools, Choice, ParallelToolCalls);

    /// <summary>
    /// Messages for a template without tool support when the request has no tools: earlier calls and results as text
    /// (the template would drop them otherwise). Unchanged for a template that mentions <c>tools</c>.
    /// </summary>
    public static IReadOnlyList<ChatMessage> PrepareHistory(IReadOnlyList<ChatMessage> messages, ChatTemplate template)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(template);
        return template.MentionsTools ? messages : PlainTemplateTools.RewriteHistory(messages);
    }
}
