using Spindle.Constraints.Grammars;
using Spindle.Constraints.Lexing;

namespace Spindle.Constraints.FrontEnds;

/// <summary>The output is exactly one of the given strings.</summary>
public static class ChoiceGrammar
{
    public static Grammar Create(IReadOnlyList<string> choices)
    {
        ArgumentNullException.ThrowIfNull(choices);
        if (choices.Count == 0) throw new GrammarException("a choice list needs at least one choice");
        if (LiteralSetSize.Check(choices) is { } tooLarge) throw new GrammarException($"the choice list is too large: {tooLarge}");
        var literals = new RegexNode[choices.Count];
        for (int i = 0; i < literals.Length; i++) literals[i] = RegexNode.Literal(choices[i]);
        var builder = new GrammarBuilder();
        return builder.Build(builder.Lexeme(RegexNode.Alternate(literals), "choice"));
    }
}
