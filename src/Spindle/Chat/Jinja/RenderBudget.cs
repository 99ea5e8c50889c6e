using System.Runtime.CompilerServices;

namespace Spindle.Chat.Jinja;

/// <summary>
/// The <see cref="ChatTemplateLimits"/> of one render and what it has spent: nesting depth, macro call depth, steps,
/// loop passes and allocated bytes, plus the cancellation token. Every recursive or bulk operation of the interpreter
/// and its helpers reports here <em>before</em> doing the work, so a hostile template fails with a
/// <see cref="JinjaLimitException"/> instead of overflowing the stack, hanging or exhausting memory.
/// The hot calls (<see cref="Enter"/>, <see cref="Step"/>) are a counter and a compare; cancellation, the step total
/// and the allocation total are looked at every <see cref="CheckInterval"/> steps.
/// </summary>
internal sealed class RenderBudget
{
    /// <summary>Steps between checks of the cancellation token and the allocation total.</summary>
    private const int CheckInterval = 1024;

    /// <summary>Strings of this many characters (lists of this many items) and more check the allocation total at once.</summary>
    private const long LargeValue = 1 << 15;

    private readonly CancellationToken _cancellation;
    private readonly int _maxDepth;
    private readonly long _maxSteps;
    private readonly long _allocatedAtStart;
    private long _steps;
    private long _nextCheck;
    private long _iterations;
    private int _depth;
    private int _callDepth;

    /// <exception cref="ArgumentOutOfRangeException">a limit is not positive.</exception>
    public RenderBudget(ChatTemplateLimits limits, CancellationToken cancellation = default)
    {
        limits.Validate();
        Limits = limits;
        _cancellation = cancellation;
        _maxDepth = limits.MaxNestingDepth;
        _maxSteps = limits.MaxSteps;
        _nextCheck = Math.Min(CheckInterval, _maxSteps);
        _allocatedAtStart = GC.GetAllocatedBytesForCurrentThread();
        cancellation.ThrowIfCancellationRequested();
    }

    /// <summary>A budget with the default limits, for helpers called outside a render (e.g. <see cref="JinjaValue.ToString"/>).</summary>
    public static RenderBudget Detached() => new(ChatTemplateLimits.Default);

    public ChatTemplateLimits Limits { get; }

    /// <summary>One level deeper (an expression, statement or nested value) and one step. Pair with <see cref="Exit"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Enter()
    {
        if (++_depth > _maxDepth) ThrowDepth();
        // Belt and braces for threads with small stacks: a running-out stack is reported, never overflowed. Sixteen
        // levels use a few kilobytes at most, well inside the margin the probe keeps (64 KB or more).
        if ((_depth & 15) == 0) EnsureStack();
        if (++_steps > _nextCheck) Checkpoint();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Exit() => _depth--;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step()
    {
        if (++_steps > _nextCheck) Checkpoint();
    }

    /// <summary>Charges <paramref name="units"/> steps at once: one per item, or one per 64 characters, about to be processed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Work(long units)
    {
        _steps += units;
        if (_steps > _nextCheck) Checkpoint();
    }

    /// <summary>Charges reading <paramref name="length"/> characters (one step per 64).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Read(int length) => Work(length >> 6);

    /// <summary>Charges reading a value: a string by its length; other values cost nothing beyond their step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Read(JinjaValue value)
    {
        if (value is JinjaString s) Work(s.Value.Length >> 6);
    }

    /// <summary>One pass through a for-loop body or inline filter.</summary>
    public void Iteration()
    {
        if (++_iterations > Limits.MaxLoopIterations)
            throw Exceeded(nameof(ChatTemplateLimits.MaxLoopIterations), Limits.MaxLoopIterations, "one more for-loop pass");
        Step();
    }

    /// <summary>A macro (or caller) call begins. Pair with <see cref="ExitCall"/>.</summary>
    public void EnterCall(string name)
    {
        if (++_callDepth > Limits.MaxCallDepth)
            throw Exceeded(nameof(ChatTemplateLimits.MaxCallDepth), Limits.MaxCallDepth, FormattableString.Invariant($"calling macro '{name}' {_callDepth:N0} calls deep"));
    }

    public void ExitCall() => _callDepth--;

    /// <summary>Before building a string of <paramref name="length"/> characters at once: checks its size and charges writing it.</summary>
    public void String(long length, string operation) => Grow(length, length, operation);

    /// <summary>
    /// Before a string built piece by piece grows by <paramref name="added"/> characters to <paramref name="length"/>:
    /// checks the size and charges only the piece, so building a long string costs in proportion to its length.
    /// </summary>
    public void Grow(long length, long added, string operation)
    {
        if (length > Limits.MaxStringLength)
            throw Exceeded(nameof(ChatTemplateLimits.MaxStringLength), Limits.MaxStringLength, FormattableString.Invariant($"{operation} would build a string of {length:N0} characters"));
        Work(added >> 6);
        if (added >= LargeValue) CheckAllocation(2 * added);
    }

    /// <summary>Before building a list or dict of <paramref name="count"/> items at once: checks its size and charges writing it.</summary>
    public void List(long count, string operation)
    {
        GrowList(count, operation);
        Work(count);
        if (count >= LargeValue) CheckAllocation(8 * count);
    }

    /// <summary>Before a list built item by item grows to <paramref name="count"/> items (one step per item).</summary>
    public void GrowList(long count, string operation)
    {
        if (count > Limits.MaxListLength)
            throw Exceeded(nameof(ChatTemplateLimits.MaxListLength), Limits.MaxListLength, FormattableString.Invariant($"{operation} would build {count:N0} items"));
        Step();
    }

    /// <summary>Before the rendered output (or a captured block, when <paramref name="capture"/>) grows by <paramref name="added"/> to <paramref name="length"/>.</summary>
    public void Output(long length, int added, bool capture)
    {
        if (capture) Grow(length, added, "captured block or macro output");
        else if (length > Limits.MaxOutputLength)
            throw Exceeded(nameof(ChatTemplateLimits.MaxOutputLength), Limits.MaxOutputLength, FormattableString.Invariant($"the output would grow to {length:N0} characters"));
        else
        {
            Work(added >> 6);
            if (added >= LargeValue) CheckAllocation(2L * added);
        }
    }

    /// <summary>Throws when the bytes allocated since the render began, plus <paramref name="upcomingBytes"/>, pass the budget.</summary>
    public void CheckAllocation(long upcomingBytes)
    {
        long used = GC.GetAllocatedBytesForCurrentThread() - _allocatedAtStart;
        if (used + upcomingBytes > Limits.MaxAllocatedBytes)
            throw Exceeded(nameof(ChatTemplateLimits.MaxAllocatedBytes), Limits.MaxAllocatedBytes,
                FormattableString.Invariant($"{used:N0} bytes allocated so far and {upcomingBytes:N0} more needed"));
    }

    private void Checkpoint()
    {
        if (_steps > _maxSteps) throw Exceeded(nameof(ChatTemplateLimits.MaxSteps), _maxSteps, "evaluation took too many steps");
        _cancellation.ThrowIfCancellationRequested();
        CheckAllocation(0);
        _nextCheck = Math.Min(_steps + CheckInterval, _maxSteps);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowDepth() =>
        throw Exceeded(nameof(ChatTemplateLimits.MaxNestingDepth), _maxDepth, "expressions, blocks, calls or values nested too deeply");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EnsureStack()
    {
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw Exceeded(nameof(ChatTemplateLimits.MaxNestingDepth), _maxDepth, FormattableString.Invariant($"the thread's stack ran low at depth {_depth:N0}"));
    }

    private static JinjaLimitException Exceeded(string limit, long value, string attempt) =>
        new(limit, value, attempt);
}
