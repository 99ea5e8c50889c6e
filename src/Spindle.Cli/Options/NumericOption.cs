using System.CommandLine;
using System.CommandLine.Parsing;

namespace Spindle.Cli.Options;

/// <summary>
/// Numeric options with a documented range, checked while parsing: a value outside it, NaN, an infinity, an empty value
/// or a word is a usage error (exit 2) naming the option, before any model is loaded. The range is appended to the help
/// text from the same <see cref="NumericRange"/> that checks it. Every numeric option of every command is made here.
/// </summary>
internal static class NumericOption
{
    public static Option<int> Int(string name, string description, NumericRange range, int defaultValue, params string[] aliases) =>
        Create(name, aliases, description, range, (_, real) => (int)real, defaultValue, hasDefault: true);

    /// <summary>An integer option that is null when not given.</summary>
    public static Option<int?> OptionalInt(string name, string description, NumericRange range, params string[] aliases) =>
        Create<int?>(name, aliases, description, range, (_, real) => (int)real, null, hasDefault: false);

    public static Option<float> Float(string name, string description, NumericRange range, float defaultValue, params string[] aliases) =>
        Create(name, aliases, description, range, (_, real) => (float)real, defaultValue, hasDefault: true);

    public static Option<float?> OptionalFloat(string name, string description, NumericRange range, params string[] aliases) =>
        Create<float?>(name, aliases, description, range, (_, real) => (float)real, null, hasDefault: false);

    public static Option<double> Double(string name, string description, NumericRange range, double defaultValue, params string[] aliases) =>
        Create(name, aliases, description, range, (_, real) => real, defaultValue, hasDefault: true);

    /// <summary>A real option that is null when not given, kept as a double (no float rounding: a value another program
    /// passes as a JSON number means the same here).</summary>
    public static Option<double?> OptionalDouble(string name, string description, NumericRange range, params string[] aliases) =>
        Create<double?>(name, aliases, description, range, (_, real) => real, null, hasDefault: false);

    public static Option<ulong> UInt64(string name, string description, ulong defaultValue, params string[] aliases) =>
        Create(name, aliases, description, NumericRange.Integers(0, ulong.MaxValue), (value, _) => (ulong)value, defaultValue, hasDefault: true);

    /// <summary>
    /// A 64-bit seed where −1 (llama.cpp's LLAMA_DEFAULT_SEED) means "pick one at random", as does leaving it out. The
    /// option's value is the number as given (a decimal holds 2^64 − 1 exactly, and a parser may not return null for a
    /// value that was given); <see cref="SeedValue"/> turns it into the seed or null for random.
    /// </summary>
    public static Option<decimal?> Seed(string name, string description, params string[] aliases) =>
        Create<decimal?>(name, aliases, description, NumericRange.Integers(0, ulong.MaxValue, -1), (value, _) => value, null, hasDefault: false);

    /// <summary>The seed a <see cref="Seed"/> option gave, or null for a random one.</summary>
    public static ulong? SeedValue(decimal? value) => value is decimal v && v >= 0 ? (ulong)v : null;

    /// <summary>The range <paramref name="option"/> was made with, or null when it was not made here.</summary>
    public static NumericRange? RangeOf(Option option) => option switch
    {
        Option<int> o => (o.CustomParser?.Target as IRanged)?.Range,
        Option<int?> o => (o.CustomParser?.Target as IRanged)?.Range,
        Option<float> o => (o.CustomParser?.Target as IRanged)?.Range,
        Option<float?> o => (o.CustomParser?.Target as IRanged)?.Range,
        Option<double> o => (o.CustomParser?.Target as IRanged)?.Range,
        Option<double?> o => (o.CustomParser?.Target as IRanged)?.Range,
        Option<ulong> o => (o.CustomParser?.Target as IRanged)?.Range,
        Option<decimal?> o => (o.CustomParser?.Target as IRanged)?.Range,
        _ => null,
    };

    private static Option<T> Create<T>(string name, string[] aliases, string description, NumericRange range,
        Func<decimal, double, T> convert, T defaultValue, bool hasDefault)
    {
        var parser = new Parser<T>(name, range, convert, defaultValue);
        var option = new Option<T>(name, aliases)
        {
            Description = $"{description}; range {range.Text}",
            CustomParser = parser.Parse,
        };
        if (hasDefault) option.DefaultValueFactory = _ => defaultValue;
        return option;
    }

    private interface IRanged
    {
        NumericRange Range { get; }
    }

    private sealed class Parser<T>(string name, NumericRange range, Func<decimal, double, T> convert, T defaultValue) : IRanged
    {
        public NumericRange Range => range;

        public T Parse(ArgumentResult result)
        {
            if (result.Tokens.Count == 0) return defaultValue;
            string text = result.Tokens[^1].Value;
            if (!range.TryParse(name, text, out decimal value, out double real, out string error))
            {
                result.AddError(error);
                return defaultValue;
            }
            return convert(value, real);
        }
    }

    /// <summary>The most worker threads -t accepts: 4 × the cores (8 on a 2-core machine).</summary>
    public static int MaxThreads => 4 * Environment.ProcessorCount;

    /// <summary>
    /// The shared --threads/-t option. Outside [1, 4 × cores] is a usage error rather than a silent clamp: a benchmark
    /// run with another count than asked would mislead, and past a few threads per core workers only contend (a huge
    /// count once created threads until the process aborted).
    /// </summary>
    public static Option<int> Threads() =>
        Int("--threads", "Worker threads (default: the core count; more than 4 × the cores is an error, not clamped)",
            NumericRange.Integers(1, MaxThreads), Environment.ProcessorCount, "-t");
}
