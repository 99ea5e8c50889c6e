using System.Text;

namespace Spindle.Constraints.Temporal;

/// <summary>
/// An immutable LTLf formula over step labels (structural equality, so formulas can key dictionaries). Build with
/// <see cref="LtlParser.Parse"/> or the factories; <see cref="ToString"/> prints parseable text.
/// </summary>
public sealed record LtlFormula
{
    private LtlFormula(LtlKind kind, LtlFormula? left, LtlFormula? right, StepLabel label, int count)
    {
        Kind = kind;
        Left = left;
        Right = right;
        Label = label;
        Count = count;
        Size = 1 + (left?.Size ?? 0) + (right?.Size ?? 0);
        _hash = HashCode.Combine(kind, left, right, label, count);
    }

    private readonly int _hash;

    public LtlKind Kind { get; }

    /// <summary>The operand of a unary operator, or the left operand of a binary one.</summary>
    public LtlFormula? Left { get; }

    public LtlFormula? Right { get; }

    /// <summary>The label of an <see cref="LtlKind.Atom"/> / <see cref="LtlKind.NotAtom"/>.</summary>
    public StepLabel Label { get; }

    /// <summary>The bound of <see cref="LtlKind.AtMost"/> / <see cref="LtlKind.AtLeast"/>.</summary>
    public int Count { get; }

    /// <summary>Number of nodes.</summary>
    public int Size { get; }

    public static LtlFormula True { get; } = new(LtlKind.True, null, null, default, 0);
    public static LtlFormula False { get; } = new(LtlKind.False, null, null, default, 0);
    internal static LtlFormula NonEmpty { get; } = new(LtlKind.NonEmpty, null, null, default, 0);
    internal static LtlFormula Empty { get; } = new(LtlKind.Empty, null, null, default, 0);

    public static LtlFormula Atom(StepLabel label) => new(LtlKind.Atom, null, null, label, 0);
    internal static LtlFormula NotAtom(StepLabel label) => new(LtlKind.NotAtom, null, null, label, 0);

    public static LtlFormula Unary(LtlKind kind, LtlFormula operand)
    {
        ArgumentNullException.ThrowIfNull(operand);
        if (kind is not (LtlKind.Not or LtlKind.Next or LtlKind.WeakNext or LtlKind.Eventually or LtlKind.Always))
            throw new ArgumentException($"{kind} is not a unary operator", nameof(kind));
        return new(kind, operand, null, default, 0);
    }

    public static LtlFormula Binary(LtlKind kind, LtlFormula left, LtlFormula right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        if (kind is not (LtlKind.And or LtlKind.Or or LtlKind.Implies or LtlKind.Equivalent or LtlKind.Until or LtlKind.Release or LtlKind.WeakUntil))
            throw new ArgumentException($"{kind} is not a binary operator", nameof(kind));
        return new(kind, left, right, default, 0);
    }

    /// <summary><paramref name="operand"/> holds at <paramref name="count"/> steps or fewer (AtMost) / or more (AtLeast).</summary>
    public static LtlFormula Counting(LtlKind kind, int count, LtlFormula operand)
    {
        ArgumentNullException.ThrowIfNull(operand);
        if (kind is not (LtlKind.AtMost or LtlKind.AtLeast)) throw new ArgumentException($"{kind} is not a counting operator", nameof(kind));
        if (count is < 0 or > LtlParser.MaxCount) throw new ArgumentOutOfRangeException(nameof(count), count, $"a count is 0..{LtlParser.MaxCount}");
        return new(kind, operand, null, default, count);
    }

    public bool Equals(LtlFormula? other) =>
        ReferenceEquals(this, other) ||
        (other is not null && _hash == other._hash && Kind == other.Kind && Count == other.Count && Label == other.Label &&
         Equals(Left, other.Left) && Equals(Right, other.Right));

    public override int GetHashCode() => _hash;

    public override string ToString()
    {
        var sb = new StringBuilder();
        Write(sb, this);
        return sb.ToString();
    }

    // Fully parenthesised below the top, so the text re-parses to the same tree whatever the precedences.
    private static void Write(StringBuilder sb, LtlFormula f)
    {
        switch (f.Kind)
        {
            case LtlKind.True: sb.Append("true"); return;
            case LtlKind.False: sb.Append("false"); return;
            case LtlKind.Atom: sb.Append(f.Label.ToString()); return;
            case LtlKind.NotAtom: sb.Append('!').Append(f.Label.ToString()); return;
            case LtlKind.NonEmpty: sb.Append("(a step)"); return; // internal; only in explanations
            case LtlKind.Empty: sb.Append("(end of trace)"); return;
            case LtlKind.AtMost or LtlKind.AtLeast:
                sb.Append(f.Kind).Append('(').Append(f.Count).Append(", ");
                Write(sb, f.Left!);
                sb.Append(')');
                return;
        }
        string? unary = f.Kind switch
        {
            LtlKind.Not => "!", LtlKind.Next => "X ", LtlKind.WeakNext => "WX ", LtlKind.Eventually => "F ", LtlKind.Always => "G ",
            _ => null,
        };
        if (unary is not null)
        {
            sb.Append(unary);
            WriteOperand(sb, f.Left!);
            return;
        }
        string op = f.Kind switch
        {
            LtlKind.And => " && ", LtlKind.Or => " || ", LtlKind.Implies => " -> ", LtlKind.Equivalent => " <-> ",
            LtlKind.Until => " U ", LtlKind.Release => " R ", LtlKind.WeakUntil => " W ",
            _ => throw new InvalidOperationException($"unexpected {f.Kind}"),
        };
        WriteOperand(sb, f.Left!);
        sb.Append(op);
        WriteOperand(sb, f.Right!);
    }

    private static void WriteOperand(StringBuilder sb, LtlFormula f)
    {
        bool simple = f.Kind is LtlKind.True or LtlKind.False or LtlKind.Atom or LtlKind.AtMost or LtlKind.AtLeast;
        if (!simple) sb.Append('(');
        Write(sb, f);
        if (!simple) sb.Append(')');
    }
}
