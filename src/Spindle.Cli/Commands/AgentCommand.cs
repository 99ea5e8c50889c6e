using System.CommandLine;
using Spindle.Cli.Options;
using Spindle.Agents;
using Spindle.Constraints.Temporal;

namespace Spindle.Cli.Commands;

/// <summary>
/// `spindle agent`: runs a ReAct agent (tools: calc, echo) whose trace satisfies an LTLf --spec, streaming each step; or,
/// with --check-trace FILE, reports whether a transcript satisfies the spec (exit 0) or which part fails at which step
/// (exit 1). Labels: Thought, Action / Action(tool), Observation, Answer.
/// </summary>
internal static class AgentCommand
{
    public const int Violated = 1;

    public static Command Create(CliContext context)
    {
        var spec = new Option<string>("--spec") { Description = "LTLf spec over step labels, e.g. \"G(Action -> X Observation) && F Answer && AtMost(3, Action)\"", DefaultValueFactory = _ => new AgentOptions().Specification };
        var prompt = new Option<string?>("--prompt", "-p") { Description = "The question for the agent" };
        var maxSteps = NumericOption.Int("--max-steps", "Most trace steps, Observations included", NumericRange.Integers(1, 1000), new AgentOptions().MaxSteps);
        var maxChars = NumericOption.Int("--max-chars", "Longest Thought/Answer text", NumericRange.Integers(1, 1000), new AgentOptions().MaxContentChars);
        var checkTrace = new Option<FileInfo?>("--check-trace") { Description = "Check this ReAct transcript against --spec instead of running the agent" };
        var model = ModelCommandOptions.Model();
        var threads = ModelCommandOptions.Threads();
        var context_ = ModelCommandOptions.ContextSize();
        var sampling = new SamplingFlags();

        var command = new Command("agent", "Run a ReAct agent whose every trace satisfies an LTLf spec, or check a transcript against one");
        foreach (var o in new Option[] { spec, prompt, maxSteps, maxChars, checkTrace, model, threads, context_ }) command.Options.Add(o);
        foreach (var o in sampling.All) command.Options.Add(o);
        command.SetAction(parse =>
        {
            string specText = parse.GetRequiredValue(spec);
            LtlSpecification specification;
            try
            {
                specification = LtlSpecification.Parse(specText);
            }
            catch (LtlSyntaxException e)
            {
                throw new CliException($"--spec: syntax error at position {e.Position + 1}: {e.Reason}");
            }
            if (parse.GetValue(checkTrace) is { } file) return Check(context, specification, file);

            string question = parse.GetValue(prompt) ?? throw new CliException("--prompt is required unless --check-trace is given");
            int steps = parse.GetValue(maxSteps);
            int chars = parse.GetValue(maxChars);
            using var spindle = ModelCommandOptions.LoadSpindle(parse.GetValue(model), parse.GetValue(threads), parse.GetValue(context_));
            var options = new AgentOptions { Specification = specText, MaxSteps = steps, MaxContentChars = chars, Sampling = sampling.Parse(parse) };
            ReActAgent agent;
            try
            {
                agent = new ReActAgent(spindle, [CalculatorTool.Create(), EchoTool.Create()], options);
            }
            catch (Exception e) when (e is ArgumentException or LtlAutomatonLimitException)
            {
                throw new CliException($"--spec: {e.Message}");
            }
            using var cancel = new ConsoleCancellation(context);
            var trace = new List<StepLabel>();
            foreach (var step in agent.RunAsync(question, cancel.Token).ToBlockingEnumerable())
            {
                context.WriteGenerated(ReActTranscript.Format(step, agent.ActionBrackets));
                context.Out.Flush();
                trace.Add(step.Label);
            }
            var verdict = specification.Check(trace);
            context.Error.WriteLine(verdict.Satisfied ? $"spec satisfied: {specification.Formula} ({trace.Count} steps)" : $"spec violated: {verdict.Explanation}");
            return verdict.Satisfied ? 0 : Violated;
        });
        return command;
    }

    private static int Check(CliContext context, LtlSpecification specification, FileInfo file)
    {
        if (!file.Exists) throw new FileNotFoundException($"transcript not found: {file.FullName}", file.FullName);
        string transcript = BoundedText.ReadFile(file.FullName, "--check-trace", 16 << 20);
        IReadOnlyList<AgentStep> steps;
        try
        {
            steps = ReActTranscript.Parse(transcript);
        }
        catch (FormatException e)
        {
            throw new CliException($"--check-trace: {file.Name}: {e.Message}");
        }
        LtlTraceVerdict verdict;
        try
        {
            verdict = specification.Check([.. steps.Select(s => s.Label)]);
        }
        catch (LtlAutomatonLimitException e)
        {
            throw new CliException($"--spec: {e.Message}");
        }
        if (verdict.Satisfied)
        {
            context.Out.WriteLine($"satisfied: {steps.Count} steps satisfy {specification.Formula}");
            return 0;
        }
        context.Out.WriteLine(TerminalText.Escape($"violated: {verdict.Explanation}"));
        if (verdict.FailedStep is > 0 and int at) context.Out.WriteLine(TerminalText.Escape($"  step {at}: {steps[at - 1]}"));
        return Violated;
    }
}
