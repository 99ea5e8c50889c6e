using System.CommandLine;
using Spindle.Cli.Options;
using Spindle.Models;
using Spindle.Watermarking;
using Spindle.Watermarking.Codable;
using Spindle.Watermarking.Kgw;
using Spindle.Watermarking.Tournament;

namespace Spindle.Cli.Commands.Watermark;

/// <summary>
/// The scheme options of `watermark eval`: --scheme kgw|synthid|balance|vanilla, the key, and the --watermark-*
/// parameters of each scheme (defaults: the library's, except a message of 8 bits).
/// </summary>
internal sealed class EvalSchemeFlags
{
    public Option<string> Key { get; } = new("--key", "-k") { Description = "The watermark's secret passphrase (WatermarkKey.FromString)", Required = true };

    public Option<string> Scheme { get; } = CreateScheme();

    public Option<double> Gamma { get; } = NumericOption.Double("--watermark-gamma", "KGW: share of the vocabulary that is green at each position (γ)",
        NumericRange.RealsAbove(0, 0.99m), 0.25);

    public Option<float> Delta { get; } = NumericOption.Float("--watermark-delta", "KGW and codable: logit bias of green / favoured tokens (δ)", NumericRange.Reals(0, 100), 2f);

    public Option<int> Bits { get; } = NumericOption.Int("--watermark-bits", "Codable: message length in bits (each text carries its own message)",
        NumericRange.Integers(1, CodableOptions.MaxMessageBits), 8);

    public Option<int?> Context { get; } = NumericOption.OptionalInt("--watermark-context",
        "Context tokens that seed the watermark (h; KGW default 1, 0 = unigram: one green list for every position; SynthID default 4)",
        NumericRange.Integers(0, KgwOptions.MaxContextWidth));

    public Option<string> Seeding { get; } = CreateSeeding();

    public Option<int> Layers { get; } = NumericOption.Int("--watermark-layers", "SynthID: tournament layers (m)", NumericRange.Integers(1, TournamentOptions.MaxLayers), 30);

    public Option<string?> Proxy { get; } = new("--proxy") { Description = "Balance-Marking: proxy model over the same vocabulary (default: the generating model itself)" };

    public IEnumerable<Option> All => [Key, Scheme, Gamma, Delta, Bits, Context, Seeding, Layers, Proxy];

    /// <summary>
    /// The options as given; a flag that the scheme does not use is a usage error rather than silently ignored.
    /// <paramref name="loadProxy"/> loads the --proxy model, called only once the flags are known to be consistent.
    /// </summary>
    public WatermarkOptions Parse(ParseResult parse, Func<string, Model> loadProxy)
    {
        string key = parse.GetRequiredValue(Key);
        if (key.Length == 0) throw new CliException("--key: the passphrase must not be empty");
        var watermarkKey = WatermarkKey.FromString(key);
        string scheme = parse.GetValue(Scheme)!;
        int? context = parse.GetValue(Context);
        bool Given(Option o) => parse.GetResult(o) is { Implicit: false };
        void Refuse(Option o)
        {
            if (Given(o)) throw new CliException($"{o.Name} does not apply to --scheme {scheme}");
        }
        switch (scheme)
        {
            case "kgw":
                Refuse(Bits);
                Refuse(Layers);
                Refuse(Proxy);
                return new KgwOptions
                {
                    Key = watermarkKey, Gamma = parse.GetValue(Gamma), Delta = parse.GetValue(Delta), ContextWidth = context ?? 1,
                    Seeding = parse.GetValue(Seeding) switch { "min" => KgwSeeding.MinHash, "self" => KgwSeeding.SelfHash, _ => KgwSeeding.LeftHash },
                };
            case "synthid":
                Refuse(Gamma);
                Refuse(Delta);
                Refuse(Bits);
                Refuse(Seeding);
                Refuse(Proxy);
                if (context == 0) throw new CliException("--watermark-context must be in [1, 16] for --scheme synthid");
                return new TournamentOptions { Key = watermarkKey, Layers = parse.GetValue(Layers), ContextWidth = context ?? 4 };
            default:
                Refuse(Gamma);
                Refuse(Seeding);
                Refuse(Layers);
                Refuse(Context);
                if (scheme == "vanilla") Refuse(Proxy);
                return new CodableOptions
                {
                    Key = watermarkKey, Scheme = scheme == "vanilla" ? CodableScheme.Vanilla : CodableScheme.Balance,
                    MessageBits = parse.GetValue(Bits), Delta = parse.GetValue(Delta),
                    ProxyModel = parse.GetValue(Proxy) is { } proxyPath ? loadProxy(proxyPath) : null,
                };
        }
    }

    /// <summary>A one-line description of the scheme and its parameters.</summary>
    public static string Describe(WatermarkOptions options) => options switch
    {
        KgwOptions k => FormattableString.Invariant($"kgw (γ {k.Gamma}, δ {k.Delta}, h {k.ContextWidth}, {k.Seeding})"),
        TournamentOptions t => FormattableString.Invariant($"synthid (m {t.Layers}, H {t.ContextWidth})"),
        CodableOptions c => FormattableString.Invariant($"{(c.Scheme == CodableScheme.Vanilla ? "vanilla" : "balance")} ({c.MessageBits} bits, δ {c.Delta}{(c.Scheme == CodableScheme.Balance ? c.ProxyModel is null ? ", proxy: the model itself" : ", proxy model" : "")})"),
        _ => options.GetType().Name,
    };

    private static Option<string> CreateScheme()
    {
        var o = new Option<string>("--scheme") { Description = "kgw (green lists), synthid (tournament sampling), balance or vanilla (codable multi-bit messages)", DefaultValueFactory = _ => "kgw" };
        o.AcceptOnlyFromAmong("kgw", "synthid", "balance", "vanilla");
        return o;
    }

    private static Option<string> CreateSeeding()
    {
        var o = new Option<string>("--watermark-seeding") { Description = "KGW: how the context seeds the green list: left (hash of the window), min (min-hash), self (self-hash)", DefaultValueFactory = _ => "left" };
        o.AcceptOnlyFromAmong("left", "min", "self");
        return o;
    }
}
