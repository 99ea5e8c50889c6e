using Spindle.Constraints.Temporal;

namespace Spindle.Agents;

/// <summary>
/// Decides which steps the model may write next so that the finished trace satisfies the spec. It runs the spec's DFA
/// over the ReAct protocol: a Thought is one step, an Action is two (the tool's Observation always follows), and the
/// Answer is the last step. A move is offered only if the spec can still be met by some protocol run that fits the
/// remaining step budget, so the agent never paints itself into a corner.
/// </summary>
public sealed class ReActPlanner
{
    private static readonly StepLabel Thought = new(nameof(AgentStepKind.Thought));
    private static readonly StepLabel Observation = new(nameof(AgentStepKind.Observation));
    private static readonly StepLabel Answer = new(nameof(AgentStepKind.Answer));

    private readonly ReActMove[] _moves;
    private readonly int[] _costToFinish; // fewest trace steps from a DFA state to an accepted Answer; int.MaxValue: never

    public ReActPlanner(LtlSpecification specification, IEnumerable<string> toolNames)
    {
        ArgumentNullException.ThrowIfNull(specification);
        ArgumentNullException.ThrowIfNull(toolNames);
        string[] tools = [.. toolNames];
        Specification = specification;
        CheckAtoms(specification, tools);
        var alphabet = new List<StepLabel> { Thought, Observation, Answer };
        var moves = new List<ReActMove> { new(AgentStepKind.Thought), new(AgentStepKind.Answer) };
        foreach (string tool in tools)
        {
            alphabet.Add(new StepLabel(nameof(AgentStepKind.Action), tool));
            moves.Add(new ReActMove(AgentStepKind.Action, tool));
        }
        _moves = [.. moves];
        Automaton = specification.BuildAutomaton(alphabet);
        _costToFinish = CostsToFinish();
    }

    public LtlSpecification Specification { get; }

    public LtlAutomaton Automaton { get; }

    /// <summary>Fewest trace steps (Observations included) of a satisfying run from <paramref name="state"/>; null if none.</summary>
    public int? StepsToFinish(int state) => _costToFinish[state] == int.MaxValue ? null : _costToFinish[state];

    /// <summary>The moves the model may make in <paramref name="state"/> with <paramref name="remainingSteps"/> trace steps left.</summary>
    public IReadOnlyList<ReActMove> Allowed(int state, int remainingSteps)
    {
        var allowed = new List<ReActMove>();
        foreach (var move in _moves)
        {
            int cost = Cost(move);
            if (cost > remainingSteps) continue;
            int after = After(state, move);
            bool ok = move.Kind == AgentStepKind.Answer
                ? Automaton.IsAccepting(after)
                : _costToFinish[after] != int.MaxValue && cost + _costToFinish[after] <= remainingSteps;
            if (ok) allowed.Add(move);
        }
        return allowed;
    }

    /// <summary>The DFA state after the move (after its Observation, for an Action).</summary>
    public int After(int state, ReActMove move) => move.Kind switch
    {
        AgentStepKind.Thought => Automaton.Next(state, Thought),
        AgentStepKind.Answer => Automaton.Next(state, Answer),
        AgentStepKind.Action => Automaton.Next(Automaton.Next(state, new StepLabel(nameof(AgentStepKind.Action), move.Tool)), Observation),
        _ => throw new ArgumentOutOfRangeException(nameof(move), move.Kind, "the model does not write Observations"),
    };

    private static int Cost(ReActMove move) => move.Kind == AgentStepKind.Action ? 2 : 1;

    // Bellman–Ford over the (small) DFA: costs are 1 or 2 and every state has every move.
    private int[] CostsToFinish()
    {
        int n = Automaton.StateCount;
        var cost = new int[n];
        Array.Fill(cost, int.MaxValue);
        for (bool changed = true; changed;)
        {
            changed = false;
            for (int s = 0; s < n; s++)
            {
                int best = cost[s];
                foreach (var move in _moves)
                {
                    int after = After(s, move);
                    int c = move.Kind == AgentStepKind.Answer
                        ? (Automaton.IsAccepting(after) ? 1 : int.MaxValue)
                        : cost[after] == int.MaxValue ? int.MaxValue : Cost(move) + cost[after];
                    if (c < best) best = c;
                }
                if (best < cost[s]) { cost[s] = best; changed = true; }
            }
        }
        return cost;
    }

    // An atom no ReAct step can match is almost always a typo ("Anwser"), which would silently change the spec.
    private static void CheckAtoms(LtlSpecification specification, string[] tools)
    {
        foreach (var atom in LtlAutomaton.AtomsOf(specification.Formula))
        {
            bool known = atom.Name switch
            {
                nameof(AgentStepKind.Action) => atom.Argument is null || Array.IndexOf(tools, atom.Argument) >= 0,
                nameof(AgentStepKind.Thought) or nameof(AgentStepKind.Observation) or nameof(AgentStepKind.Answer) => atom.Argument is null,
                _ => false,
            };
            if (!known)
                throw new ArgumentException(atom.Name == nameof(AgentStepKind.Action)
                    ? $"the spec names tool '{atom.Argument}', which the agent does not have (tools: {string.Join(", ", tools)})"
                    : $"the spec names step '{atom}', but ReAct steps are Thought, Action or Action(tool), Observation, Answer");
        }
    }
}
