using Spindle.Chat.Jinja;

namespace Spindle.Chat;

/// <summary>
/// A model's chat template (the Jinja2 source in GGUF <c>tokenizer.chat_template</c> or tokenizer_config.json),
/// rendered as transformers' <c>apply_chat_template</c> renders it: variables <c>messages</c>, <c>tools</c>,
/// <c>add_generation_prompt</c>, <c>bos_token</c>, <c>eos_token</c>, plus the globals <c>raise_exception</c> and
/// <c>strftime_now</c>. A template comes from a model file, so it is run as untrusted code: parsing and rendering keep
/// to <see cref="ChatTemplateLimits"/> (depth, steps, loop passes, sizes, memory), rendering can be cancelled, and
/// every failure is a <see cref="ChatTemplateException"/>.
/// </summary>
public sealed class ChatTemplate
{
    /// <summary>
    /// The template used for models that ship none: ChatML, which llama.cpp also falls back to and the format
    /// transformers once used as its default. Each message renders as
    /// <c>&lt;|im_start|&gt;{role}\n{content}&lt;|im_end|&gt;\n</c> (missing content as empty), and
    /// <c>add_generation_prompt</c> appends <c>&lt;|im_start|&gt;assistant\n</c>. No BOS is written.
    /// </summary>
    public const string ChatMLSource =
        "{%- for message in messages -%}" +
        "{{ '<|im_start|>' + message['role'] + '\\n' }}{{ message['content'] if message['content'] is string else '' }}{{ '<|im_end|>\\n' }}" +
        "{%- endfor -%}" +
        "{%- if add_generation_prompt -%}{{ '<|im_start|>assistant\\n' }}{%- endif -%}";

    private static readonly Lazy<ChatTemplate> ChatMLInstance = new(() => Parse(ChatMLSource));

    private readonly JinjaTemplate _template;

    private ChatTemplate(JinjaTemplate template, string source)
    {
        _template = template;
        Source = source;
        _rendersSystemMessages = new Lazy<bool>(ProbeSystemMessages);
    }

    public string Source { get; }

    /// <summary>
    /// The source mentions <c>tools</c>: the template lays out tool definitions (and, in every such template known,
    /// the assistant's tool calls and the tool results) itself. A template without it gets tools described in a
    /// system message (see <see cref="Tools.ToolCallProtocol.PrepareMessages"/>).
    /// </summary>
    public bool MentionsTools => Source.Contains("tools", StringComparison.Ordinal);

    private readonly Lazy<bool> _rendersSystemMessages;

    /// <summary>
    /// A leading system message appears in the output (tried once with a marker text): false for templates that reject
    /// one (Gemma raises "System role not supported") or drop it.
    /// </summary>
    public bool RendersSystemMessages => _rendersSystemMessages.Value;

    private bool ProbeSystemMessages()
    {
        const string marker = "spindle-system-probe";
        try
        {
            return Render([ChatMessage.System(marker), ChatMessage.User("hi")], new ChatTemplateOptions { AddGenerationPrompt = true })
                .Contains(marker, StringComparison.Ordinal);
        }
        catch (ChatTemplateException)
        {
            return false;
        }
    }

    /// <summary>The ChatML fallback (<see cref="ChatMLSource"/>).</summary>
    public static ChatTemplate ChatML => ChatMLInstance.Value;

    /// <summary>Parses <paramref name="source"/>, or returns <see cref="ChatML"/> when it is null or empty.</summary>
    /// <exception cref="ChatTemplateException">a syntax error, with its line and column, or a limit reached.</exception>
    public static ChatTemplate ParseOrDefault(string? source, ChatTemplateLimits? limits = null) =>
        string.IsNullOrEmpty(source) ? ChatML : Parse(source, limits);

    /// <summary>Parses <paramref name="source"/>, nesting at most <see cref="ChatTemplateLimits.MaxNestingDepth"/> deep.</summary>
    /// <exception cref="ChatTemplateException">a syntax error or a limit reached, with its line and column.</exception>
    /// <exception cref="ArgumentOutOfRangeException">a limit is not positive.</exception>
    public static ChatTemplate Parse(string source, ChatTemplateLimits? limits = null)
    {
        limits ??= ChatTemplateLimits.Default;
        limits.Validate();
        try
        {
            return new ChatTemplate(JinjaTemplate.Parse(source, limits), source);
        }
        catch (JinjaSyntaxException e)
        {
            throw new ChatTemplateException(e.Reason, e.Line, e.Column, e);
        }
        catch (JinjaLimitException e)
        {
            throw new ChatTemplateException(e.Message, e.Line ?? 0, e.Column ?? 0, e) { Limit = e.Limit };
        }
        catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
        {
            // Anything else is a gap in the parser's own checks; it is still the template's failure, not the caller's.
            throw new ChatTemplateException($"the template could not be parsed: {e.Message}", raisedByTemplate: false, e);
        }
    }

    /// <summary>Renders <paramref name="messages"/> within <see cref="ChatTemplateOptions.Limits"/>.</summary>
    /// <exception cref="ChatTemplateException">the template raised (message is the template's own), failed, or reached a limit
    /// (<see cref="ChatTemplateException.Limit"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; it is checked every
    /// thousand or so evaluation steps.</exception>
    /// <exception cref="ArgumentOutOfRangeException">a limit is not positive.</exception>
    public string Render(IReadOnlyList<ChatMessage> messages, ChatTemplateOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ChatTemplateOptions();
        var limits = options.Limits;
        limits.Validate();
        try
        {
            int maxDepth = limits.MaxNestingDepth;
            var variables = new Dictionary<string, JinjaValue>(StringComparer.Ordinal)
            {
                ["messages"] = MessagesValue(messages, maxDepth),
                ["add_generation_prompt"] = JinjaValue.FromBool(options.AddGenerationPrompt),
                ["bos_token"] = new JinjaString(options.BosToken),
                ["eos_token"] = new JinjaString(options.EosToken),
            };
            if (options.Tools != null) variables["tools"] = ToolsValue(options.Tools, maxDepth);
            var now = options.Now ?? (() => DateTime.Now);
            variables["strftime_now"] = new JinjaCallable("strftime_now",
                a => new JinjaString(PyStrftime.Format(now(), PyFormat.Str(a.Get(0, "format", JinjaString.Empty), a.Budget), a.Budget)));
            if (options.ExtraVariables != null)
                foreach (var (name, value) in options.ExtraVariables) variables[name] = JinjaJson.ToValue(value, maxDepth);
            return _template.Render(variables, limits, cancellationToken);
        }
        catch (JinjaRuntimeException e)
        {
            throw new ChatTemplateException(e.Message, e.RaisedByTemplate, e);
        }
        catch (JinjaLimitException e)
        {
            throw new ChatTemplateException(e.Message, raisedByTemplate: false, e) { Limit = e.Limit };
        }
        catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
        {
            // Anything else is a gap in the interpreter's own checks; it is still the template's failure, not the caller's.
            throw new ChatTemplateException($"the template failed: {e.GetType().Name}: {e.Message}", raisedByTemplate: false, e);
        }
    }

    private static JinjaList ToolsValue(IReadOnlyList<System.Text.Json.Nodes.JsonNode?> tools, int maxDepth)
    {
        var items = new List<JinjaValue>(tools.Count);
        foreach (var t in tools) items.Add(JinjaJson.ToValue(t, maxDepth));
        return new JinjaList(items);
    }

    private static JinjaList MessagesValue(IReadOnlyList<ChatMessage> messages, int maxDepth)
    {
        var items = new List<JinjaValue>(messages.Count);
        foreach (var m in messages) items.Add(MessageValue(m, maxDepth));
        return new JinjaList(items);
    }

    private static JinjaDict MessageValue(ChatMessage m, int maxDepth)
    {
        var d = new JinjaDict();
        d.Set("role", new JinjaString(m.Role));
        d.Set("content", m.Content is null ? JinjaValue.None : new JinjaString(m.Content));
        if (m.ToolCalls != null)
        {
            var calls = new List<JinjaValue>(m.ToolCalls.Count);
            foreach (var call in m.ToolCalls)
            {
                var c = new JinjaDict();
                if (call.Id != null) c.Set("id", new JinjaString(call.Id));
                c.Set("type", new JinjaString(call.Type));
                var function = new JinjaDict();
                function.Set("name", new JinjaString(call.Name));
                function.Set("arguments", JinjaJson.ToValue(call.Arguments, maxDepth));
                c.Set("function", function);
                calls.Add(c);
            }
            d.Set("tool_calls", new JinjaList(calls));
        }
        if (m.ToolCallId != null) d.Set("tool_call_id", new JinjaString(m.ToolCallId));
        if (m.Name != null) d.Set("name", new JinjaString(m.Name));
        if (m.Extra != null)
            foreach (var (k, v) in m.Extra) d.Set(k, JinjaJson.ToValue(v, maxDepth));
        return d;
    }
}
