using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Spindle.Cli;
using Spindle.Cli.Options;

namespace Spindle.Tests.Cli;

/// <summary>
/// A seeded generator of hostile values (NaN, ±∞, negatives, int.MaxValue, huge numbers, empty, words, control
/// characters, values just past each bound) for every numeric option of every command, each run through the CLI: every
/// one must end in exit 2 with one line that names the option, quickly, never an "internal error". The options are
/// found by walking the real command tree, so an option added later is covered (and must declare a range).
/// </summary>
public class CliHostileOptionTests(ITestOutputHelper output)
{
    /// <summary>What each command needs besides the option under test to get as far as checking it.</summary>
    private static readonly Dictionary<string, string[]> RequiredArguments = new()
    {
        ["inspect"] = ["model.gguf"],
        ["detokenize"] = ["1"],
        ["logits"] = ["--out", "out.f32"],
        ["quantize"] = ["in.gguf", "out.gguf", "q8_0"],
        ["convert"] = ["hf-folder", "out.gguf"],
        ["synth"] = ["--shape", "stories15m", "--vocab", "v.gguf", "--type", "q8_0", "--out", "o.gguf"],
        ["perplexity"] = ["--file", "story.txt"],
        ["maskbench"] = ["--vocab", "v.gguf", "schemas"],
        ["generate"] = ["-p", "hi"],
        ["bench-serve"] = ["--url", "http://127.0.0.1:9"],
    };

    private static readonly Type[] NumericTypes =
        [typeof(int), typeof(long), typeof(float), typeof(double), typeof(decimal), typeof(ulong), typeof(uint), typeof(short)];

    private static IEnumerable<(Command Command, Option Option)> AllOptions()
    {
        var root = SpindleCommand.CreateRoot(new CliContext(TextWriter.Null, TextWriter.Null, TextReader.Null), out _);
        foreach (var command in root.Subcommands)
            foreach (var option in command.Options)
                yield return (command, option);
    }

    private static bool IsNumeric(Type type) => Array.IndexOf(NumericTypes, Nullable.GetUnderlyingType(type) ?? type) >= 0;

    [Fact]
    public void EveryNumericOptionDeclaresARangeAndItsHelpShowsIt()
    {
        int count = 0;
        foreach (var (command, option) in AllOptions())
        {
            if (!IsNumeric(option.ValueType)) continue;
            count++;
            var range = NumericOption.RangeOf(option);
            Assert.True(range is not null, $"{command.Name} {option.Name} has no declared range");
            Assert.Contains("range " + range!.Text, option.Description);
            // Caps exist: int.MaxValue means nothing to any option but a seed.
            if (option.Name != "--seed") Assert.True(range.Maximum < int.MaxValue, $"{command.Name} {option.Name}: {range.Text}");
        }
        Assert.True(count > 80, $"only {count} numeric options found");
        foreach (var command in SpindleCommand.CreateRoot(new CliContext(TextWriter.Null, TextWriter.Null, TextReader.Null), out _).Subcommands)
            foreach (var argument in command.Arguments)
                Assert.False(IsNumeric(argument.ValueType), $"{command.Name} {argument.Name}: numeric arguments need a range too");
    }

    private static readonly string[] Garbage =
    [
        "NaN", "nan", "-NaN", "Infinity", "-Infinity", "inf", "-inf", "∞", "-∞", "1e39", "-1e39", "1e308", "-1e308", "1e400",
        "", " ", "abc", "ten", "1,5", "0x10", "1.5.2", "1e", "--", "+", "-", "٣", "1_000", "\u001b[2J", "\u0007", "NaN1", "12abc",
        "99999999999999999999999999999999", "-99999999999999999999999999999999", "18446744073709551616", "-9223372036854775809",
    ];

    /// <summary>Outside the range by the test's own reading of its bounds (not the CLI's <see cref="NumericRange.Contains"/>).</summary>
    private static bool Outside(NumericRange range, decimal value)
    {
        if (range.Specials is { } specials && Array.IndexOf(specials, value) >= 0) return false;
        if (range.Integer && value != decimal.Truncate(value)) return true;
        return value < range.Minimum || value > range.Maximum || (range.MinimumExclusive && value == range.Minimum)
            || (range.MaximumExclusive && value == range.Maximum);
    }

    /// <summary>The hostile values for one option: the garbage above, then seeded numbers outside its range.</summary>
    internal static List<string> HostileValues(NumericRange range, Random random)
    {
        var values = new List<string>(Garbage);
        var candidates = new List<decimal>
        {
            int.MaxValue, int.MinValue, (decimal)int.MaxValue + 1, long.MinValue, -1, -2, -1000,
            range.Maximum + 1, range.Maximum + 0.001m, range.Minimum - 1, range.Minimum - 0.001m, range.Minimum, range.Maximum,
            range.Maximum * 2 + 1,
        };
        if (range.Integer) candidates.AddRange([0.5m, 1.5m, range.Minimum + 0.5m]);
        for (int i = 0; i < 12; i++)
        {
            // Magnitudes from 1e-3 to 1e12, either sign, some integral.
            double magnitude = Math.Pow(10, random.Next(-3, 13)) * random.NextDouble();
            decimal v = (decimal)(random.Next(2) == 0 ? -magnitude : magnitude);
            candidates.Add(random.Next(3) == 0 ? decimal.Round(v) : decimal.Round(v, 4));
            candidates.Add(range.Maximum + (decimal)magnitude + 0.0001m);
            candidates.Add(range.Minimum - (decimal)magnitude - 0.0001m);
        }
        foreach (decimal c in candidates)
            if (Outside(range, c)) values.Add(c.ToString(CultureInfo.InvariantCulture));
        // Random words of printable and control characters.
        const string alphabet = "abcxyzE+-.,_ 0123456789\u001b\u0007\u009b\t";
        for (int i = 0; i < 6; i++)
        {
            var chars = new char[random.Next(1, 8)];
            for (int j = 0; j < chars.Length; j++) chars[j] = alphabet[random.Next(alphabet.Length)];
            string word = new(chars);
            if (!decimal.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal parsed) || Outside(range, parsed))
                values.Add(word);
        }
        return values;
    }

    [Fact]
    public void EveryHostileValueOfEveryNumericOptionIsAUsageErrorNamingTheOption()
    {
        var random = new Random(20261122);
        int cases = 0;
        var slowest = TimeSpan.Zero;
        foreach (var (command, option) in AllOptions())
        {
            if (NumericOption.RangeOf(option) is not { } range) continue;
            string[] required = RequiredArguments.GetValueOrDefault(command.Name, []);
            foreach (string value in HostileValues(range, random))
            {
                var clock = Stopwatch.StartNew();
                // --name=value keeps a value such as "-1e39" or "--" from being read as an option of its own.
                var r = CliRunner.Run([command.Name, .. required, option.Name + "=" + value]);
                var elapsed = clock.Elapsed;
                if (elapsed > slowest) slowest = elapsed;
                string what = $"{command.Name} {option.Name}={Escape(value)}";
                Assert.True(r.ExitCode == 2, $"{what}: exit {r.ExitCode}; stderr: {r.Error}");
                var lines = r.ErrorLines;
                Assert.True(lines.Length == 1, $"{what}: stderr is not one line:\n{r.Error}");
                Assert.StartsWith("spindle: error: ", lines[0]);
                Assert.DoesNotContain("internal error", lines[0]);
                Assert.True(lines[0].Contains(option.Name, StringComparison.Ordinal), $"{what}: the message does not name the option: {lines[0]}");
                Assert.DoesNotContain('\u001b', r.Error);
                Assert.Equal("", r.Out);
                Assert.True(elapsed < TimeSpan.FromSeconds(10), $"{what} took {elapsed}");
                cases++;
            }
        }
        Assert.True(cases > 4000, $"only {cases} cases");
        output.WriteLine($"hostile option values: {cases} cases, slowest {slowest.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public void ValuesInsideTheRangeParse()
    {
        // The other side: each range's bounds and specials are accepted (parsing only; nothing runs).
        foreach (var (command, option) in AllOptions())
        {
            if (NumericOption.RangeOf(option) is not { } range) continue;
            var accepted = new List<decimal>();
            if (!range.MaximumExclusive) accepted.Add(range.Maximum);
            if (!range.MinimumExclusive) accepted.Add(range.Minimum);
            if (range.MinimumExclusive && range.MaximumExclusive) accepted.Add((range.Minimum + range.Maximum) / 2);
            if (range.Specials is { } s) accepted.AddRange(s);
            var root = SpindleCommand.CreateRoot(new CliContext(TextWriter.Null, TextWriter.Null, TextReader.Null), out _);
            foreach (decimal v in accepted)
            {
                string[] required = RequiredArguments.GetValueOrDefault(command.Name, []);
                var parsed = root.Parse([command.Name, .. required, option.Name + "=" + v.ToString(CultureInfo.InvariantCulture)]);
                Assert.True(parsed.Errors.Count == 0, $"{command.Name} {option.Name}={v}: {string.Join("; ", parsed.Errors.Select(e => e.Message))}");
            }
        }
    }

    private static string Escape(string s) => string.Concat(s.Select(c => c < 0x20 || c is >= '\u007f' and <= '\u009f' ? $"\\x{(int)c:x2}" : c.ToString()));
}
