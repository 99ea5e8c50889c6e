namespace Spindle.Constraints.Grammars;

/// <summary>
/// The least set of rules closed under "a rule holds when one of its productions needs only rules that hold": for
/// nullable rules (productions without lexemes) and productive ones (productions whose rules all derive some text).
/// A worklist over production counters, linear in the grammar's size (rounds of re-scanning every rule are quadratic
/// on long chains of rules, and a grammar from a file decides how long).
/// </summary>
internal sealed class RuleFixedPoint
{
    private readonly bool[] _holds;
    private readonly int[] _pending; // per production: needed rule occurrences that do not hold yet
    private readonly int[] _productionRule;
    private readonly int[] _userStart; // CSR: productions that need rule r are _users[_userStart[r] .. _userStart[r + 1])
    private readonly int[] _users;
    private readonly Queue<int> _queue = new();

    /// <param name="ruleCount">Rules are 0 .. ruleCount - 1.</param>
    /// <param name="productionRule">Per production, its rule; productions that can never count are left out by the caller.</param>
    /// <param name="needs">Per production, the rules it needs (with repeats).</param>
    public RuleFixedPoint(int ruleCount, List<int> productionRule, List<int[]> needs)
    {
        _holds = new bool[ruleCount];
        _productionRule = [.. productionRule];
        _pending = new int[_productionRule.Length];
        _userStart = new int[ruleCount + 1];
        foreach (int[] n in needs)
            foreach (int r in n) _userStart[r + 1]++;
        for (int r = 0; r < ruleCount; r++) _userStart[r + 1] += _userStart[r];
        _users = new int[_userStart[ruleCount]];
        var fill = (int[])_userStart.Clone();
        for (int p = 0; p < needs.Count; p++)
        {
            _pending[p] = needs[p].Length;
            foreach (int r in needs[p]) _users[fill[r]++] = p;
        }
        for (int p = 0; p < _pending.Length; p++)
            if (_pending[p] == 0) Mark(_productionRule[p]);
        Drain();
    }

    public bool[] Holds => _holds;

    /// <summary>Marks <paramref name="rule"/> as holding (for rules decided outside the productions) and propagates.</summary>
    public void Add(int rule)
    {
        Mark(rule);
        Drain();
    }

    private void Mark(int rule)
    {
        if (_holds[rule]) return;
        _holds[rule] = true;
        _queue.Enqueue(rule);
    }

    private void Drain()
    {
        while (_queue.TryDequeue(out int r))
            for (int u = _userStart[r]; u < _userStart[r + 1]; u++)
                if (--_pending[_users[u]] == 0) Mark(_productionRule[_users[u]]);
    }
}
