using System.Text.Json;
using Spindle.Constraints.Lexing;

namespace Spindle.Constraints.JsonSchema.Compilation;

/// <summary>
/// The keys that no patternProperties pattern matches, when a pattern has one of the shapes schemas use for "any key"
/// (".*", "^.*$", ".+", ...): without regex complement, these are the only complements the compiler can write.
/// ECMAScript '.' matches anything but a line terminator (\n \r U+2028 U+2029) and '$' only ends the input.
/// </summary>
internal sealed record UnmatchedKeys(RegexNode? Keys)
{
    /// <summary>Every key matches some pattern: additionalProperties never applies.</summary>
    public bool IsEmpty => Keys is null;

    private static readonly RegexNode AnyChar = new RegexCharSet(CodePointSet.All);
    private static readonly RegexNode LineTerminator = new RegexCharSet(CodePointSet.FromRanges([('\n', '\n'), ('\r', '\r'), ('\u2028', '\u2029')]));
    private static readonly RegexNode ContainsLineTerminator =
        RegexNode.Concat([RegexNode.Repeat(AnyChar, 0, -1), LineTerminator, RegexNode.Repeat(AnyChar, 0, -1)]);

    private static readonly HashSet<string> Universal = new(StringComparer.Ordinal) { "", ".*", "^.*", ".*$", "^", "$", "[\\s\\S]*", "^[\\s\\S]*$" };
    private static readonly HashSet<string> SomeNonTerminator = new(StringComparer.Ordinal)
        { ".", ".+", "^.", "^.+", ".$", ".+$", ".{1,}", "^.{1,}", ".{1,}$" };
    private static readonly HashSet<string> OnlyNonTerminators = new(StringComparer.Ordinal) { "^.*$" };
    private static readonly HashSet<string> NonEmptyNonTerminators = new(StringComparer.Ordinal) { "^.+$", "^.{1,}$" };

    /// <summary>
    /// Null when no pattern has a known shape (or a declared name falls among the unmatched keys, which would need
    /// excluding); otherwise the unmatched keys of the pattern that leaves the fewest.
    /// </summary>
    public static UnmatchedKeys? Of(JsonElement patterns, IReadOnlyList<string> declaredNames)
    {
        if (patterns.ValueKind != JsonValueKind.Object) return null;
        UnmatchedKeys? best = null;
        foreach (var p in patterns.EnumerateObject())
        {
            string pattern = p.Name;
            if (Universal.Contains(pattern)) return new UnmatchedKeys((RegexNode?)null);
            RegexNode? keys = OnlyNonTerminators.Contains(pattern) ? ContainsLineTerminator
                : SomeNonTerminator.Contains(pattern) ? RegexNode.Repeat(LineTerminator, 0, -1)
                : NonEmptyNonTerminators.Contains(pattern) ? RegexNode.Alternate([RegexNode.Empty, ContainsLineTerminator])
                : null;
            if (keys is null) continue;
            foreach (string name in declaredNames)
                if (IsUnmatched(pattern, name)) { keys = null; break; }
            if (keys is not null) best ??= new UnmatchedKeys(keys);
        }
        return best;
    }

    private static bool IsUnmatched(string pattern, string name)
    {
        bool hasTerminator = name.AsSpan().IndexOfAny("\n\r\u2028\u2029") >= 0;
        if (OnlyNonTerminators.Contains(pattern)) return hasTerminator;
        if (SomeNonTerminator.Contains(pattern)) return name.Length == 0 || name.AsSpan().IndexOfAnyExcept("\n\r\u2028\u2029") < 0;
        return name.Length == 0 || hasTerminator;
    }
}
