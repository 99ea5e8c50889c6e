using Spindle.Agents;
using Spindle.Constraints.Temporal;
using Spindle.Sampling;
using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.Agents;

/// <summary>
/// The agent loop with the real stories260K and tinystories-656K models: their text is nonsense, but the masks force the
/// structure, so every trace (12 seeds per spec and model) satisfies the spec, checked independently of the agent's own
/// automaton.
/// </summary>
public sealed class ReActAgentTests(ITestOutputHelper output)
{
    private const int Seeds = 12;
    private static readonly SamplingOptions Sampled = new() { Temperature = 1f, TopK = 0, TopP = 1f, MinP = 0f };

    private static readonly (string Spec, int MaxSteps)[] SpecList =
    [
        ("G(Action -> X Observation) && F Answer", 8),
        ("F Action(calc) && AtMost(3, Action) && G(Answer -> last)", 8),
        ("Thought && G(Observation -> X (Thought || Answer)) && F Action(echo) && F Action(calc)", 10),
        ("AtLeast(2, Thought) && (!Answer U Action(echo))", 6),
        ("Exactly(1, Action) && X X Observation", 5),
    ];

    public static TheoryData<string, string, int> Specs
    {
        get
        {
            var data = new TheoryData<string, string, int>();
            foreach (string model in new[] { "stories260K", "tinystories-656K" })
                foreach (var (spec, maxSteps) in SpecList) data.Add(model, spec, maxSteps);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public async Task EveryTraceSatisfiesTheSpec(string modelName, string spec, int maxSteps)
    {
        using var model = Load(modelName == "stories260K" ? Stories260K : TinyStoriesQ8);
        var check = LtlSpecification.Parse(spec);
        for (ulong seed = 1; seed <= Seeds; seed++)
        {
            var agent = new ReActAgent(model, [CalculatorTool.Create(), EchoTool.Create()],
                new AgentOptions { Specification = spec, MaxSteps = maxSteps, Sampling = Sampled, Seed = seed * 1000, MaxContentChars = 24 });
            var steps = new List<AgentStep>();
            await foreach (var step in agent.RunAsync("What is 2+3?")) steps.Add(step);
            string transcript = ReActTranscript.Format(steps, agent.ActionBrackets);
            output.WriteLine($"seed {seed}:\n{transcript}");

            Assert.InRange(steps.Count, 1, maxSteps);
            Assert.Equal(AgentStepKind.Answer, steps[^1].Kind);
            var verdict = check.Check([.. steps.Select(s => s.Label)]);
            Assert.True(verdict.Satisfied, verdict.Explanation + "\n" + transcript);
            // The transcript text reads back as the same steps.
            Assert.Equal(steps, ReActTranscript.Parse(transcript));
            for (int i = 0; i < steps.Count; i++)
            {
                if (steps[i].Kind != AgentStepKind.Action) continue;
                var observation = steps[i + 1];
                Assert.Equal(AgentStepKind.Observation, observation.Kind);
                string expected = steps[i].Tool == "echo" ? steps[i].Content : CalculatorTool.Evaluate(steps[i].Content);
                Assert.Equal(expected, observation.Content);
            }
        }
    }

    [Fact]
    public void SpecsNoReActTraceCanMeetAreRejectedUpFront()
    {
        using var model = Load(TinyStoriesQ8);
        AgentTool[] tools = [EchoTool.Create()];
        var e = Assert.Throws<ArgumentException>(() => new ReActAgent(model, tools, new AgentOptions { Specification = "AtLeast(3, Action) && F Answer", MaxSteps = 5 }));
        Assert.Contains("needs at least 7 steps", e.Message);
        e = Assert.Throws<ArgumentException>(() => new ReActAgent(model, tools, new AgentOptions { Specification = "G !Answer" }));
        Assert.Contains("no ReAct trace", e.Message);
        e = Assert.Throws<ArgumentException>(() => new ReActAgent(model, tools, new AgentOptions { Specification = "F Anwser" }));
        Assert.Contains("'Anwser'", e.Message);
        e = Assert.Throws<ArgumentException>(() => new ReActAgent(model, tools, new AgentOptions { Specification = "F Action(search)" }));
        Assert.Contains("tool 'search'", e.Message);
        e = Assert.Throws<ArgumentException>(() => new ReActAgent(model, tools, new AgentOptions { ActionBrackets = "[]" }));
        Assert.Contains("cannot write the action brackets '[]'", e.Message);
        Assert.Throws<LtlSyntaxException>(() => new ReActAgent(model, tools, new AgentOptions { Specification = "F (Answer" }));
    }

    [Fact]
    public async Task AnswerFollowsItsContentGrammar()
    {
        using var model = Load(TinyStoriesQ8);
        for (ulong seed = 1; seed <= 6; seed++)
        {
            var agent = new ReActAgent(model, [CalculatorTool.Create()], new AgentOptions
            {
                Specification = "F Action(calc) && G(Answer -> last)", MaxSteps = 5, Sampling = Sampled, Seed = seed,
                AnswerPattern = "-?[0-9]{1,6}", ThoughtPattern = "(?:yes|no), [a-z ]{1,20}",
            });
            var steps = new List<AgentStep>();
            await foreach (var step in agent.RunAsync("What is 2+3?")) steps.Add(step);
            output.WriteLine(ReActTranscript.Format(steps, agent.ActionBrackets));
            Assert.Matches(@"\A-?[0-9]{1,6}\z", steps[^1].Content);
            foreach (var thought in steps.Where(s => s.Kind == AgentStepKind.Thought))
                Assert.Matches(@"\A(?:yes|no), [a-z ]{1,20}\z", thought.Content);
        }
    }

    [Fact]
    public async Task CancellingStopsTheRunBetweenSteps()
    {
        using var model = Load(TinyStoriesQ8);
        using var cts = new CancellationTokenSource();
        var agent = new ReActAgent(model, [EchoTool.Create()], new AgentOptions { Specification = "AtLeast(3, Thought) && F Answer", MaxSteps = 6, Seed = 3 });
        int seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in agent.RunAsync("q", cts.Token))
                if (++seen == 1) cts.Cancel();
        });
        Assert.Equal(1, seen);
    }

    [Fact]
    public void BadContentPatternIsRejectedWithTheOptionName()
    {
        using var model = Load(TinyStoriesQ8);
        var e = Assert.Throws<ArgumentException>(() => new ReActAgent(model, [EchoTool.Create()], new AgentOptions { AnswerPattern = "[0-9" }));
        Assert.StartsWith("AnswerPattern:", e.Message);
    }

    [Fact]
    public void BracketsAreTheFirstPairTheVocabularyCanWrite()
    {
        using var model = Load(TinyStoriesQ8);
        Assert.Equal("<>", new ReActAgent(model, [EchoTool.Create()]).ActionBrackets);
    }

    [Fact]
    public async Task FailingToolBecomesAnErrorObservation()
    {
        using var model = Load(TinyStoriesQ8);
        var broken = new AgentTool("broken", "always fails", (_, _) => throw new InvalidOperationException("backend down"));
        var agent = new ReActAgent(model, [broken], new AgentOptions { Specification = "Action(broken) && F Answer", MaxSteps = 4, Seed = 7 });
        var steps = new List<AgentStep>();
        await foreach (var step in agent.RunAsync("q")) steps.Add(step);
        Assert.Equal("error: backend down", steps[1].Content);
    }
}
