using System.Runtime.CompilerServices;
using System.Text;
using Spindle.Constraints.Temporal;
using Spindle.Generation;

namespace Spindle.Agents;

/// <summary>
/// A ReAct agent loop whose every trace satisfies an LTLf spec. Before each step the <see cref="ReActPlanner"/> picks the
/// moves the spec still allows within the step budget; their formats become one regex constraint, so generation is
/// masked to a well-formed step of an allowed kind. Action steps run the tool and the agent (not the model) writes the
/// Observation. A run ends with the Answer step.
/// </summary>
public sealed class ReActAgent
{
    private readonly SpindleModel _model;
    private readonly Dictionary<string, AgentTool> _tools;
    private readonly AgentOptions _options;

    public ReActAgent(SpindleModel model, IEnumerable<AgentTool> tools, AgentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tools);
        _model = model;
        _options = options ?? new AgentOptions();
        if (_options.MaxSteps < 1) throw new ArgumentOutOfRangeException(nameof(options), _options.MaxSteps, "MaxSteps must be ≥ 1");
        if (_options.MaxContentChars is < 1 or > 1000) throw new ArgumentOutOfRangeException(nameof(options), _options.MaxContentChars, "MaxContentChars must be 1..1000");
        if (_options.MaxStepTokens < 1) throw new ArgumentOutOfRangeException(nameof(options), _options.MaxStepTokens, "MaxStepTokens must be ≥ 1");
        if (_options.MaxArgumentChars is < 0 or > 1000) throw new ArgumentOutOfRangeException(nameof(options), _options.MaxArgumentChars, "MaxArgumentChars must be 0..1000");
        _tools = new Dictionary<string, AgentTool>(StringComparer.Ordinal);
        foreach (var tool in tools)
            if (!_tools.TryAdd(tool.Name, tool)) throw new ArgumentException($"two tools are named '{tool.Name}'", nameof(tools));
        ActionBrackets = ChooseBrackets(model, _options.ActionBrackets);
        foreach (var tool in _tools.Values) RequireWritable(model, tool.Name, $"tool name '{tool.Name}'");
        Specification = LtlSpecification.Parse(_options.Specification);
        Planner = new ReActPlanner(Specification, _tools.Keys);
        foreach (var (name, pattern) in new[] { ("ThoughtPattern", _options.ThoughtPattern), ("AnswerPattern", _options.AnswerPattern) })
            if (pattern is not null) ValidatePattern(model, name, pattern);
        if (Planner.StepsToFinish(Planner.Automaton.Start) is not { } fewest || fewest > _options.MaxSteps)
            throw new ArgumentException(Planner.StepsToFinish(Planner.Automaton.Start) is { } n
                ? $"the spec needs at least {n} steps, but MaxSteps is {_options.MaxSteps}"
                : $"no ReAct trace (Thought/Action/Observation steps ending with an Answer) satisfies '{Specification.Formula}'");
    }

    public LtlSpecification Specification { get; }

    /// <summary>The two characters around an Action's argument in this agent's transcripts.</summary>
    public string ActionBrackets { get; }

    public ReActPlanner Planner { get; }

    /// <summary>Runs the agent on a question, yielding each step as it is made (Observations included).</summary>
    public async IAsyncEnumerable<AgentStep> RunAsync(string question, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(question);
        string preamble = Preamble(question);
        var steps = new List<AgentStep>();
        int state = Planner.Automaton.Start;
        ulong seedBase = _options.Seed ?? _options.Sampling.Seed;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var moves = Planner.Allowed(state, _options.MaxSteps - steps.Count);
            if (moves.Count == 0)
                throw new InvalidOperationException($"no step is allowed after {steps.Count} steps (the planner guarantees one; this is a bug)");
            var grammar = new ReActStepGrammar(moves, _options.MaxContentChars, _options.MaxArgumentChars, ActionBrackets,
                _options.ThoughtPattern, _options.AnswerPattern);
            var step = await GenerateStepAsync(preamble, steps, grammar, seedBase + (ulong)steps.Count, cancellationToken).ConfigureAwait(false);
            steps.Add(step);
            state = Planner.Automaton.Next(state, step.Label);
            yield return step;
            if (step.Kind == AgentStepKind.Answer) break;
            if (step.Kind == AgentStepKind.Action)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var observation = new AgentStep(AgentStepKind.Observation, await CallToolAsync(step, cancellationToken).ConfigureAwait(false));
                steps.Add(observation);
                state = Planner.Automaton.Next(state, observation.Label);
                yield return observation;
            }
        }
        if (!Planner.Automaton.IsAccepting(state))
            throw new InvalidOperationException($"the trace ended outside the spec (state: {Planner.Automaton.Obligation(state)}); this is a bug");
    }

    private string Preamble(string question)
    {
        if (_options.Instructions is { } custom) return custom + "\nQuestion: " + OneLine(question, 500) + "\n";
        var sb = new StringBuilder("Answer the question. Think step by step; call a tool with Action: tool[input] and read its Observation.\nTools:\n");
        foreach (var tool in _tools.Values) sb.Append("- ").Append(tool.Name).Append(": ").Append(OneLine(tool.Description, 200)).Append('\n');
        sb.Append("Question: ").Append(OneLine(question, 500)).Append('\n');
        return sb.ToString();
    }

    private async Task<AgentStep> GenerateStepAsync(string preamble, List<AgentStep> steps, ReActStepGrammar grammar, ulong seed, CancellationToken cancellationToken)
    {
        var options = new GenerationOptions
        {
            Sampling = _options.Sampling,
            Seed = seed,
            Constraint = ConstraintSpec.Regex(grammar.Pattern),
            // One token per byte at worst, then end-of-generation.
            MaxTokens = grammar.IsBounded ? grammar.MaxBytes + 1 : _options.MaxStepTokens,
        };
        string prompt = FitPrompt(preamble, steps, options.MaxTokens);
        var text = new StringBuilder();
        FinishReason? finish = null;
        await foreach (var chunk in _model.GenerateAsync(prompt, options, cancellationToken).ConfigureAwait(false))
        {
            text.Append(chunk.Text);
            finish = chunk.FinishReason ?? finish;
        }
        if (finish == FinishReason.Cancelled) throw new OperationCanceledException(cancellationToken);
        string line = text.ToString();
        // The parser takes any bracket pair; the label only needs the tool name, the content is inside the brackets.
        if (finish != FinishReason.EndOfGeneration || !line.EndsWith('\n') ||
            !ReActTranscript.TryParseLine(line[..^1], steps.Count + 1, out var step))
            throw new InvalidOperationException($"step {steps.Count + 1} did not complete ({finish}): '{line}'");
        return step;
    }

    // The transcript so far, dropping the oldest steps when it and the step would not fit the context.
    private string FitPrompt(string preamble, List<AgentStep> steps, int stepTokens)
    {
        int limit = _model.ContextLength - stepTokens;
        for (int skip = 0; skip <= steps.Count; skip++)
        {
            var sb = new StringBuilder(preamble);
            if (skip > 0) sb.Append("(earlier steps omitted)\n");
            for (int i = skip; i < steps.Count; i++) sb.Append(ReActTranscript.Format(steps[i], ActionBrackets));
            string prompt = sb.ToString();
            if (_model.EncodePrompt(prompt).Length < limit) return prompt;
        }
        throw new InvalidOperationException($"the instructions and question do not fit the context of {_model.ContextLength} tokens with room for a step of {stepTokens}");
    }

    // Compiled once here so a bad pattern fails at construction with the option's name, not in the middle of a run.
    private static void ValidatePattern(SpindleModel model, string option, string pattern)
    {
        try
        {
            _ = model.CreateMatcher(ConstraintSpec.Regex(pattern));
        }
        catch (Spindle.Constraints.GrammarException e)
        {
            throw new ArgumentException($"{option}: {e.Message}", e);
        }
    }

    // A literal the vocabulary cannot spell would leave the mask empty mid-step (e.g. tinystories has no '[').
    private static bool CanWrite(SpindleModel model, string text)
    {
        int unknown = model.Vocabulary.UnknownId;
        foreach (int id in model.Tokenizer.Encode(text)) if (id == unknown) return false;
        return true;
    }

    private static void RequireWritable(SpindleModel model, string text, string what)
    {
        if (!CanWrite(model, text)) throw new ArgumentException($"the model's vocabulary cannot write the {what}");
    }

    private static string ChooseBrackets(SpindleModel model, string? requested)
    {
        foreach (string prefix in new[] { ReActTranscript.ThoughtPrefix, ReActTranscript.ActionPrefix, ReActTranscript.AnswerPrefix, "\n" })
            RequireWritable(model, prefix, $"step prefix '{prefix.Trim()}'");
        if (requested is not null)
        {
            if (requested.Length != 2) throw new ArgumentException($"ActionBrackets must be two characters, not '{requested}'");
            RequireWritable(model, requested, $"action brackets '{requested}'");
            return requested;
        }
        foreach (string pair in ReActTranscript.ActionBracketPairs)
            if (CanWrite(model, pair)) return pair;
        throw new ArgumentException($"the model's vocabulary can write none of the action brackets {string.Join(" ", ReActTranscript.ActionBracketPairs)}; set ActionBrackets");
    }

    private async Task<string> CallToolAsync(AgentStep action, CancellationToken cancellationToken)
    {
        string result;
        try
        {
            result = await _tools[action.Tool!].Invoke(action.Content, cancellationToken).ConfigureAwait(false) ?? "";
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            // A failing tool is information for the model, not the end of the run.
            result = $"error: {e.Message}";
        }
        return OneLine(result, _options.MaxObservationChars);
    }

    private static string OneLine(string text, int maxChars)
    {
        string line = text.ReplaceLineEndings(" ");
        return line.Length <= maxChars ? line : line[..maxChars] + "…";
    }
}
