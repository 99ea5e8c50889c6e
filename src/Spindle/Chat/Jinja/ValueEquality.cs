namespace Spindle.Chat.Jinja;

/// <summary>
/// Python's <c>==</c> on template values, walked with an explicit stack rather than recursion: a template can build a
/// list nested a million deep (<c>set x = [x]</c> in a loop), and comparing it must not overflow the stack. With a
/// budget, each string read and each item visited is charged, so comparing two large shared-structure values cannot
/// run unbounded either. Without one (a dict comparing keys), the keys were charged when they were made
/// (<see cref="Ops.Hashable"/>).
/// </summary>
internal static class ValueEquality
{
    public static bool Equal(JinjaValue a, JinjaValue b, RenderBudget? budget)
    {
        if (!IsContainer(a) || !IsContainer(b)) return ScalarEqual(a, b, budget);
        var pending = new Stack<(JinjaValue, JinjaValue)>();
        pending.Push((a, b));
        while (pending.Count > 0)
        {
            var (x, y) = pending.Pop();
            // Python compares items with an identity shortcut (so a list holding nan equals itself).
            if (ReferenceEquals(x, y)) continue;
            if (x is JinjaList lx && y is JinjaList ly)
            {
                if (lx.IsGenerator || ly.IsGenerator || lx.Count != ly.Count) return false;
                budget?.Work(lx.Count);
                for (int i = lx.Count - 1; i >= 0; i--) pending.Push((lx.Items[i], ly.Items[i]));
            }
            else if (x is JinjaDict dx && y is JinjaDict dy)
            {
                if (dx.IsNamespace || dy.IsNamespace || dx.Count != dy.Count) return false;
                budget?.Work(dx.Count);
                foreach (var (k, v) in dx.Items)
                {
                    if (!dy.Items.TryGetValue(k, out var w)) return false;
                    pending.Push((v, w));
                }
            }
            else if (!ScalarEqual(x, y, budget)) return false;
        }
        return true;
    }

    private static bool IsContainer(JinjaValue v) => v is JinjaList or JinjaDict;

    /// <summary>Equality when at most one side is a list or dict (then they differ).</summary>
    private static bool ScalarEqual(JinjaValue a, JinjaValue b, RenderBudget? budget)
    {
        if (IsContainer(a) || IsContainer(b)) return false;
        if (budget != null && a is JinjaString s) budget.Read(s.Value.Length);
        return a switch
        {
            JinjaString x => b is JinjaString y && string.Equals(x.Value, y.Value, StringComparison.Ordinal),
            JinjaInt or JinjaFloat or JinjaBool or JinjaNone or JinjaUndefined or JinjaCallable => a.Equals(b),
            _ => false,
        };
    }
}
