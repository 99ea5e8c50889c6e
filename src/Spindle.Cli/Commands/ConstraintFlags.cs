using System.CommandLine;
using Spindle.Constraints;
using Spindle.Generation;

namespace Spindle.Cli.Commands;

/// <summary>The output-constraint flags of `spindle generate`: --regex, --grammar (GBNF file), --choice (one of them).</summary>
internal sealed class ConstraintFlags
{
    private readonly Option<string?> _regex = new("--regex") { Description = "The whole output matches this regular expression" };
    private readonly Option<FileInfo?> _grammar = new("--grammar") { Description = "The whole output matches this GBNF grammar file (llama.cpp format, rule 'root')" };
    private readonly Option<bool> _perChar = new("--grammar-per-char") { Description = "--grammar with one lexeme per character: llama.cpp's exact semantics, slower" };
    private readonly Option<string?> _choice = new("--choice") { Description = "The output is exactly one of these comma-separated strings" };

    public IEnumerable<Option> All => [_regex, _grammar, _perChar, _choice];

    /// <summary>The constraint the flags ask for, or null; errors in the flags themselves are <see cref="CliException"/>s.</summary>
    public ConstraintSpec? Parse(ParseResult parse)
    {
        string? regex = parse.GetValue(_regex);
        FileInfo? grammar = parse.GetValue(_grammar);
        string? choice = parse.GetValue(_choice);
        bool perChar = parse.GetValue(_perChar);
        int given = (regex is null ? 0 : 1) + (grammar is null ? 0 : 1) + (choice is null ? 0 : 1);
        if (given > 1) throw new CliException("choose one of --regex, --grammar and --choice");
        if (perChar && grammar is null) throw new CliException("--grammar-per-char needs --grammar");
        if (regex is not null)
        {
            if (regex.Length == 0) throw new CliException("--regex: the pattern is empty");
            return ConstraintSpec.Regex(regex);
        }
        if (grammar is not null)
        {
            if (!grammar.Exists) throw new CliException($"grammar file not found: {grammar.FullName}");
            return ConstraintSpec.Grammar(File.ReadAllText(grammar.FullName), perChar);
        }
        if (choice is not null)
        {
            string[] choices = choice.Split(',');
            foreach (string c in choices)
                if (c.Length == 0) throw new CliException($"--choice: empty choice in '{choice}'");
            return ConstraintSpec.Choice(choices);
        }
        return null;
    }

    /// <summary>Compiles <paramref name="constraint"/> for <paramref name="spindle"/> now, so a bad grammar is one clear error before generating.</summary>
    public static void Validate(SpindleModel spindle, ConstraintSpec constraint)
    {
        try
        {
            spindle.CreateMatcher(constraint);
        }
        catch (GrammarException ex)
        {
            string flag = constraint.Kind switch
            {
                ConstraintKind.Regex => "--regex",
                ConstraintKind.Grammar => "--grammar",
                _ => "--choice",
            };
            throw new CliException($"{flag}: {ex.Message}");
        }
    }
}
