namespace Spindle.Chat;

/// <summary>
/// What one chat template may spend. A template comes from a model file, so it is treated as hostile: each limit is
/// checked before the work it bounds, and exceeding one throws <see cref="ChatTemplateException"/> whose
/// <see cref="ChatTemplateException.Limit"/> is the property's name (the message gives its value too). The defaults are
/// far above what the real templates in shared/chat-templates need (each renders a tool-use conversation in under
/// 2,000 steps, 40 levels deep), yet they cap a hostile template at well under a second and a few hundred megabytes.
/// </summary>
public sealed record ChatTemplateLimits
{
    /// <summary>The defaults below.</summary>
    public static ChatTemplateLimits Default { get; } = new();

    /// <summary>
    /// How deeply the parser may nest (parentheses, <c>not</c>, unary signs, blocks inside blocks, conditional
    /// expressions) and how deeply evaluation may recurse (an expression inside a filter inside a statement inside a macro
    /// call..., and nested values that tojson, printing or comparison walk). Real templates stay under 50; the stack of a
    /// 1.5 MB thread-pool thread holds well over a thousand levels, and a running-out stack is still caught.
    /// </summary>
    public int MaxNestingDepth { get; init; } = 256;

    /// <summary>How many macro (and <c>caller()</c>) calls may be open at once; Jinja2 itself stops near 200.</summary>
    public int MaxCallDepth { get; init; } = 100;

    /// <summary>
    /// Evaluation steps of one render: each expression, statement and loop pass is one, and an operation on a string
    /// or list costs a further step per 64 characters or per item it reads or writes. This bounds time: ten million
    /// steps take about a second, while a 1,000-turn conversation through a tool-use template needs about 300,000.
    /// </summary>
    public long MaxSteps { get; init; } = 10_000_000;

    /// <summary>Passes through the bodies (and inline filters) of all for-loops of one render.</summary>
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
    /// Bytes one render may allocate in all (garbage included, measured by the runtime on the rendering thread). Bounds
    /// memory where the per-value limits cannot: many values, each within its limit. Rendering allocates roughly 10 to 20
    /// bytes per output character, so 512 MB leaves room for the longest output <see cref="MaxOutputLength"/> allows.
    /// </summary>
    public long MaxAllocatedBytes { get; init; } = 512L << 20;

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
