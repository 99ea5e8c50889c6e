namespace Spindle.Chat;

/// <summary>
/// What one chat template may spend. A template comes from a model file, so it is treated as hostile: each limit is
/// checked before the work it bounds, and exceeding one throws <see cref="ChatTemplateException"/> whose
/// <see cref="ChatTemplateException.Limit"/> is the property's name (the message gives its value too). The defaults are
/// far above what the 17 real templates in shared/chat-templates need, measured on their reference conversations and on
/// the same with 1,000 extra turns of 300 characters: parsing nests at most 9 levels and rendering 22, macros call 4
/// deep, and a turn costs 40 to 90 steps, one loop pass or two, and 9 to 17 allocated bytes per output character. Yet
/// they stop a hostile template within about a second and 256 MB.
/// </summary>
public sealed record ChatTemplateLimits
{
    /// <summary>The defaults below.</summary>
    public static ChatTemplateLimits Default { get; } = new();

    /// <summary>
    /// How deeply the parser may nest (parentheses, <c>not</c>, unary signs, blocks inside blocks, conditional
    /// expressions) and how deeply evaluation may recurse (an expression inside a filter inside a statement inside a macro
    /// call..., and nested values that tojson, printing or comparison walk). Real templates stay under 25, and Jinja2's
    /// own parser runs out of Python stack near 75 nested parentheses. Measured here, a 1.5 MB thread-pool stack holds
    /// about 570 parser levels (a parenthesis costs a dozen frames) and over 1,100 evaluation levels; past this limit,
    /// a stack that still runs low (a smaller thread) is reported the same way, never overflowed.
    /// </summary>
    public int MaxNestingDepth { get; init; } = 256;

    /// <summary>
    /// How many macro (and <c>caller()</c>) calls may be open at once. Real templates open 4 at most, and Jinja2 runs out
    /// of Python stack near 150; each call also nests three or more levels of <see cref="MaxNestingDepth"/>.
    /// </summary>
    public int MaxCallDepth { get; init; } = 64;

    /// <summary>
    /// Evaluation steps of one render: each expression, statement and loop pass is one, and an operation on a string
    /// or list costs a further step per 64 characters or per item it reads or writes. This bounds time: ten million
    /// steps took 0.2 to 1 s on a busy 2-core machine (cheap comparisons to macro calls), while a 1,000-turn
    /// conversation needs under 90,000 with any of the real templates.
    /// </summary>
    public long MaxSteps { get; init; } = 10_000_000;

    /// <summary>
    /// Passes through the bodies (and inline filters) of all for-loops of one render; real templates make one or two
    /// per turn, so a million allows half a million turns while two nested loops over ranges of 100,000 (the sandbox's
    /// largest) stop after ten outer passes.
    /// </summary>
    public long MaxLoopIterations { get; init; } = 1_000_000;

    /// <summary>
    /// Characters of the rendered prompt. 8 Mi characters is about two million tokens, twice the longest context any
    /// current model reads, so no real conversation is refused, while the output stays at 16 MB of UTF-16.
    /// </summary>
    public int MaxOutputLength { get; init; } = 8 << 20;

    /// <summary>
    /// Characters of any one string a template builds (<c>*</c>, <c>+</c>, <c>~</c>, <c>%</c>, format, padding, replace,
    /// join, indent, tojson, captured macro or block output...). As large as the output, since a template may capture a
    /// whole conversation in a variable before printing it.
    /// </summary>
    public int MaxStringLength { get; init; } = 8 << 20;

    /// <summary>
    /// Items of any one list or dict a template builds (<c>*</c>, <c>+</c>, range, split, the characters of a string...).
    /// A million references is 8 MB.
    /// </summary>
    public int MaxListLength { get; init; } = 1_000_000;

    /// <summary>
    /// Bytes one render, or one parse, may allocate in all (garbage included, as the runtime counts them on the calling
    /// thread). Bounds memory where the per-value limits cannot: many values, each within its limit, or a huge template
    /// (parsing costs about 50 bytes per source character; real templates are under 20 KB). Real templates allocate 9
    /// to 17 bytes per output character, so the longest output <see cref="MaxOutputLength"/> allows needs at most about
    /// 150 MB of this.
    /// </summary>
    public long MaxAllocatedBytes { get; init; } = 256L << 20;

    /// <exception cref="ArgumentOutOfRangeException">a limit is zero or negative.</exception>
    public void Validate()
    {
        Positive(MaxNestingDepth, nameof(MaxNestingDepth));
        Positive(MaxCallDepth, nameof(MaxCallDepth));
        Positive(MaxSteps, nameof(MaxSteps));
        Positive(MaxLoopIterations, nameof(MaxLoopIterations));
        Positive(MaxOutputLength, nameof(MaxOutputLength));
        Positive(MaxStringLength, nameof(MaxStringLength));
        Positive(MaxListLength, nameof(MaxListLength));
        Positive(MaxAllocatedBytes, nameof(MaxAllocatedBytes));
    }

    private static void Positive(long value, string name)
    {
        if (value <= 0) throw new ArgumentOutOfRangeException(name, value, $"chat template limit {name} must be positive, got {value}");
    }
}
