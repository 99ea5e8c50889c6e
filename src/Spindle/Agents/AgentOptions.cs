using Spindle.Sampling;

namespace Spindle.Agents;

/// <summary>How a <see cref="ReActAgent"/> runs: the LTLf spec every trace satisfies, the step budget and sampling.</summary>
public sealed record AgentOptions
{
    /// <summary>
    /// LTLf over the labels <c>Thought</c>, <c>Action</c> / <c>Action(tool)</c>, <c>Observation</c>, <c>Answer</c>
    /// (see <see cref="Spindle.Constraints.Temporal.LtlParser"/>). A run always ends with an Answer step.
    /// </summary>
    public string Specification { get; init; } = "G(Action -> X Observation) && F Answer";

    /// <summary>Most steps in a trace, Observations included. Steps are only offered if the spec can still be met within it.</summary>
    public int MaxSteps { get; init; } = 8;

    /// <summary>Longest Thought or Answer text (printable ASCII), which bounds each step's tokens.</summary>
    public int MaxContentChars { get; init; } = 48;

    /// <summary>Longest tool argument (printable ASCII without '[', '\', ']').</summary>
    public int MaxArgumentChars { get; init; } = 32;

    /// <summary>Observations longer than this are cut (tool output is put on one line).</summary>
    public int MaxObservationChars { get; init; } = 200;

    public SamplingOptions Sampling { get; init; } = new();

    /// <summary>Overrides <see cref="SamplingOptions.Seed"/>; step k samples with seed + k so steps differ.</summary>
    public ulong? Seed { get; init; }

    /// <summary>
    /// The two characters around a tool's argument, e.g. "[]" for <c>Action: calc[2+3]</c>. Null: the first of "[]",
    /// "&lt;&gt;", "()" the model's vocabulary can write (small vocabularies may have no '[').
    /// </summary>
    public string? ActionBrackets { get; init; }

    /// <summary>
    /// The content grammar of Answer steps as a regex (e.g. <c>-?[0-9]+</c>); null: printable ASCII up to
    /// <see cref="MaxContentChars"/>. It must not match a line break. Custom patterns get <see cref="MaxStepTokens"/>.
    /// </summary>
    public string? AnswerPattern { get; init; }

    /// <summary>The content grammar of Thought steps as a regex; null: printable ASCII up to <see cref="MaxContentChars"/>.</summary>
    public string? ThoughtPattern { get; init; }

    /// <summary>Token budget of one step when a custom pattern makes its length unknown; a step that does not finish within it fails the run.</summary>
    public int MaxStepTokens { get; init; } = 128;

    /// <summary>Text before the question; null: a default that lists the tools and the step format.</summary>
    public string? Instructions { get; init; }
}
