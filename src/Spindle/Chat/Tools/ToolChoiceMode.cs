namespace Spindle.Chat.Tools;

/// <summary>Whether and which tool the model must call (OpenAI's <c>tool_choice</c>).</summary>
public enum ToolChoiceMode
{
    /// <summary>The model does not call tools; the tools are not shown to it.</summary>
    None,

    /// <summary>The model decides: it may answer in text or call tools.</summary>
    Auto,

    /// <summary>The model must call at least one tool (any of them).</summary>
    Required,

    /// <summary>The model must call the tool <see cref="ToolChoice.FunctionName"/> names.</summary>
    Named,
}
