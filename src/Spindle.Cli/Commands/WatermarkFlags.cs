using System.CommandLine;
using System.Globalization;
using Spindle.Cli.Options;
using Spindle.Generation;
using Spindle.Models;
using Spindle.Watermarking;
using Spindle.Watermarking.Codable;
using Spindle.Watermarking.Kgw;
using Spindle.Watermarking.Tournament;

namespace Spindle.Cli.Commands;

/// <summary>The watermark schemes the command line names (docs/watermarking.md).</summary>
internal enum WatermarkScheme
{
    /// <summary>KGW green lists (<see cref="KgwOptions"/>).</summary>
    Kgw,

    /// <summary>SynthID-Text's tournament sampling (<see cref="TournamentOptions"/>).</summary>
    SynthId,

    /// <summary>A codable message, Balance-Marking with a proxy LM (<see cref="CodableOptions"/>).</summary>
    Balance,

    /// <summary>A codable message, Vanilla-Marking (<see cref="CodableOptions"/>).</summary>
    Vanilla,
}

/// <summary>
/// What the watermark flags ask for: the scheme and its options (a Balance-Marking proxy model is not loaded yet: see
/// <see cref="WatermarkFlags.LoadProxy"/>), the proxy model's path when one was named, and for detection the message
/// the text is expected to carry (null when none was given).
/// </summary>
internal sealed record WatermarkSelection(WatermarkScheme Scheme, WatermarkOptions Options, string? ProxyPath, ulong? ExpectedMessage);

/// <summary>
/// The watermark flags. `spindle generate` and `spindle chat` take --watermark SCHEME --watermark-key K and the scheme's
/// parameters; `spindle watermark detect` takes the same parameters with --scheme, --key and --proxy (the text names no
/// prompt, so the detector needs only what shapes the watermark). Every parameter has the library's default and range
/// (<see cref="KgwOptions"/>, <see cref="TournamentOptions"/>, <see cref="CodableOptions"/>); one that does not apply to
/// the chosen scheme is a usage error naming it, so a typo cannot silently detect with other settings than were used.
/// <para>
/// A message (--watermark-message) is a binary string, most significant bit first, whose length is the message's bit
/// count (10110010: 8 bits, 178); with --watermark-bits N it may also be a decimal or 0x hexadecimal number below 2^N.
/// A string of 0s and 1s of another length than N is refused as ambiguous rather than read as decimal.
/// </para>
/// </summary>
internal sealed class WatermarkFlags
{
    private static readonly KgwOptions KgwDefaults = new() { Key = default };
    private static readonly TournamentOptions TournamentDefaults = new() { Key = default };
    private static readonly CodableOptions CodableDefaults = new() { Key = default };

    private const string SchemeNames = "kgw, synthid, balance or vanilla";

    private readonly bool _detection;
    private readonly Option<string?> _scheme;
    private readonly Option<string?> _key;
    private readonly Option<string?> _proxy;
    private readonly Option<double?> _gamma = NumericOption.OptionalDouble("--watermark-gamma",
        $"kgw: the chance a token is green at a position (default {KgwDefaults.Gamma.ToString(CultureInfo.InvariantCulture)})", NumericRange.RealsBetween(0, 1));
    private readonly Option<float?> _delta = NumericOption.OptionalFloat("--watermark-delta",
        $"kgw, balance, vanilla: logit bias of green / favoured tokens (default {KgwDefaults.Delta.ToString(CultureInfo.InvariantCulture)})", NumericRange.Reals(0, 100));
    private readonly Option<int?> _context = NumericOption.OptionalInt("--watermark-context",
        $"kgw, synthid: previous tokens that seed a position (default {KgwDefaults.ContextWidth} for kgw, {TournamentDefaults.ContextWidth} for synthid)",
        NumericRange.Integers(1, Math.Min(KgwOptions.MaxContextWidth, TournamentOptions.MaxContextWidth)));
    private readonly Option<string?> _seeding = new("--watermark-seeding")
    {
        Description = "kgw: how the context seeds the green list: lefthash (default), minhash or selfhash",
    };
    private readonly Option<int?> _layers = NumericOption.OptionalInt("--watermark-layers",
        $"synthid: tournament layers (default {TournamentDefaults.Layers})", NumericRange.Integers(1, TournamentOptions.MaxLayers));
    private readonly Option<string?> _message = new("--watermark-message")
    {
        Description = "balance, vanilla: the message, a binary string such as 10110010 (most significant bit first; its length is the bit count), " +
            "or with --watermark-bits N a decimal or 0x hexadecimal number below 2^N",
    };
    private readonly Option<int?> _bits = NumericOption.OptionalInt("--watermark-bits",
        "balance, vanilla: the message's length in bits (default: the binary --watermark-message's length)", NumericRange.Integers(1, CodableOptions.MaxMessageBits));

    private WatermarkFlags(bool detection)
    {
        _detection = detection;
        if (detection)
        {
            _scheme = new Option<string?>("--scheme") { Description = $"The watermark to look for: {SchemeNames} (default kgw)" };
            _key = new Option<string?>("--key") { Description = "The passphrase the text was watermarked with (required)" };
            _proxy = new Option<string?>("--proxy")
            {
                Description = "balance: the proxy model generation used (--watermark-proxy), same vocabulary (default: --model itself)",
            };
            _delta.Description += "; accepted so generate's flags can be repeated, not used by detection";
            _message.Description = "balance, vanilla: the message the text is expected to carry (as generate took it); its length sets the bit count, and the table compares it with the decoded one";
            _bits.Description = $"balance, vanilla: the message's length in bits, as generated (needed unless --watermark-message gives it); range {NumericOption.RangeOf(_bits)!.Text}";
        }
        else
        {
            _scheme = new Option<string?>("--watermark")
            {
                Description = $"Watermark the output: {SchemeNames} (see docs/watermarking.md); needs --watermark-key; synthid leaves greedy output (--temp 0) unwatermarked",
            };
            _key = new Option<string?>("--watermark-key") { Description = "The watermark's secret passphrase (detection needs the same)" };
            _proxy = new Option<string?>("--watermark-proxy")
            {
                Description = "balance: a proxy model over the same vocabulary, e.g. a smaller one (default: the model itself)",
            };
        }
    }

    /// <summary>The flags of `generate` and `chat`.</summary>
    public static WatermarkFlags ForGeneration() => new(detection: false);

    /// <summary>The flags of `watermark detect`.</summary>
    public static WatermarkFlags ForDetection() => new(detection: true);

    public IEnumerable<Option> All => [_scheme, _key, _proxy, _gamma, _delta, _context, _seeding, _layers, _message, _bits];

    private string SchemeFlag => _scheme.Name;

    /// <summary>
    /// What the flags ask for; null when generating without --watermark. Errors in the flags (a missing key, a flag of
    /// another scheme, a message that does not parse) are <see cref="CliException"/>s; nothing is loaded.
    /// </summary>
    public WatermarkSelection? Parse(ParseResult parse)
    {
        string? schemeText = parse.GetValue(_scheme);
        if (schemeText is null && !_detection)
        {
            foreach (var option in All)
                if (Given(parse, option)) throw new CliException($"{option.Name} needs --watermark ({SchemeNames})");
            return null;
        }
        var scheme = ParseScheme(schemeText ?? "kgw");
        string key = parse.GetValue(_key) ?? throw new CliException(_detection
            ? "--key is required: the passphrase the text was watermarked with"
            : "--watermark needs --watermark-key K: the secret passphrase that detection will need");
        if (key.Length == 0) throw new CliException($"{_key.Name}: the passphrase is empty");

        Applies(parse, _gamma, scheme, WatermarkScheme.Kgw);
        Applies(parse, _seeding, scheme, WatermarkScheme.Kgw);
        Applies(parse, _layers, scheme, WatermarkScheme.SynthId);
        Applies(parse, _context, scheme, WatermarkScheme.Kgw, WatermarkScheme.SynthId);
        Applies(parse, _delta, scheme, WatermarkScheme.Kgw, WatermarkScheme.Balance, WatermarkScheme.Vanilla);
        Applies(parse, _message, scheme, WatermarkScheme.Balance, WatermarkScheme.Vanilla);
        Applies(parse, _bits, scheme, WatermarkScheme.Balance, WatermarkScheme.Vanilla);
        Applies(parse, _proxy, scheme, WatermarkScheme.Balance);

        var watermarkKey = WatermarkKey.FromString(key);
        switch (scheme)
        {
            case WatermarkScheme.Kgw:
                return new WatermarkSelection(scheme, new KgwOptions
                {
                    Key = watermarkKey,
                    Gamma = parse.GetValue(_gamma) ?? KgwDefaults.Gamma,
                    Delta = parse.GetValue(_delta) ?? KgwDefaults.Delta,
                    ContextWidth = parse.GetValue(_context) ?? KgwDefaults.ContextWidth,
                    Seeding = ParseSeeding(parse.GetValue(_seeding)),
                }, null, null);
            case WatermarkScheme.SynthId:
                return new WatermarkSelection(scheme, new TournamentOptions
                {
                    Key = watermarkKey,
                    Layers = parse.GetValue(_layers) ?? TournamentDefaults.Layers,
                    ContextWidth = parse.GetValue(_context) ?? TournamentDefaults.ContextWidth,
                }, null, null);
            default:
                int? bits = parse.GetValue(_bits);
                ulong? message = null;
                if (parse.GetValue(_message) is { } text)
                {
                    (ulong value, int length) = ParseMessage(text, bits);
                    message = value;
                    bits = length;
                }
                else if (!_detection)
                    throw new CliException($"--watermark {Name(scheme)} embeds a message: give --watermark-message BITS (e.g. 10110010)");
                else if (bits is null)
                    throw new CliException($"--scheme {Name(scheme)}: give --watermark-bits N (the message's length) or the expected --watermark-message");
                return new WatermarkSelection(scheme, new CodableOptions
                {
                    Key = watermarkKey,
                    Scheme = scheme == WatermarkScheme.Balance ? CodableScheme.Balance : CodableScheme.Vanilla,
                    Message = message ?? 0,
                    MessageBits = bits!.Value,
                    Delta = parse.GetValue(_delta) ?? CodableDefaults.Delta,
                }, parse.GetValue(_proxy), _detection ? message : null);
        }
    }

    /// <summary>
    /// Loads the Balance-Marking proxy <paramref name="selection"/> names, on <paramref name="pool"/> (the generating
    /// model's workers, as a draft model shares them), checked against <paramref name="vocabularySize"/>; null when no
    /// proxy was named (the model itself is then the proxy). The caller disposes it.
    /// </summary>
    public Model? LoadProxy(WatermarkSelection selection, int vocabularySize, Tensors.Threading.WorkerPool? pool, int threads)
    {
        if (selection.ProxyPath is not { } named) return null;
        string path = ModelPathResolver.Resolve(named);
        ModelFiles.CheckExists(path);
        var file = ModelFiles.Open(path);
        Model proxy;
        try
        {
            proxy = Model.Load(file, pool is null ? new ModelOptions { ThreadCount = threads } : new ModelOptions { WorkerPool = pool }, ownsFile: true);
        }
        catch (ModelFormatException ex)
        {
            file.Dispose();
            throw new ModelFormatException($"{path}: {ex.Message}");
        }
        catch
        {
            file.Dispose();
            throw;
        }
        if (proxy.Config.VocabSize != vocabularySize)
        {
            int size = proxy.Config.VocabSize;
            proxy.Dispose();
            throw new CliException($"{_proxy.Name} {path}: its vocabulary has {size} tokens, the model's {vocabularySize}; the proxy must share the generating model's vocabulary");
        }
        return proxy;
    }

    /// <summary>
    /// Checks that <paramref name="options"/>' watermark can run as asked and says on <paramref name="error"/> when the
    /// output will not be watermarked: synthid with greedy decoding keeps the greedy pick (SGLang does the same), so
    /// the text carries no watermark; this is a note, not an error, because the output is still what was asked for.
    /// </summary>
    public static void Check(GenerationOptions options, TextWriter error)
    {
        if (options.Watermark is null) return;
        if (options.Beam is not null || options.Contrastive is not null)
            throw new CliException("--watermark reweights sampling; it does not apply to --beams or --contrastive-alpha");
        if (options.Watermark is TournamentOptions)
        {
            if (options.Sampling.Mirostat != 0)
                throw new CliException("--watermark synthid replaces the sampling picker; it does not combine with --mirostat");
            if (options.Sampling.Temperature <= 0f)
                error.WriteLine("note: --watermark synthid leaves greedy decoding (--temp 0) unwatermarked, as SGLang does: the output carries no watermark; sample (--temp > 0) to embed one");
        }
    }

    /// <summary>The name the command line uses for <paramref name="scheme"/>.</summary>
    public static string Name(WatermarkScheme scheme) => scheme switch
    {
        WatermarkScheme.Kgw => "kgw",
        WatermarkScheme.SynthId => "synthid",
        WatermarkScheme.Balance => "balance",
        _ => "vanilla",
    };

    private WatermarkScheme ParseScheme(string text) => text.ToLowerInvariant() switch
    {
        "kgw" => WatermarkScheme.Kgw,
        "synthid" => WatermarkScheme.SynthId,
        "balance" => WatermarkScheme.Balance,
        "vanilla" => WatermarkScheme.Vanilla,
        _ => throw new CliException($"{SchemeFlag} must be one of {SchemeNames}, not '{TerminalText.Escape(text)}'"),
    };

    private static KgwSeeding ParseSeeding(string? text) => text?.ToLowerInvariant() switch
    {
        null => KgwDefaults.Seeding,
        "lefthash" => KgwSeeding.LeftHash,
        "minhash" => KgwSeeding.MinHash,
        "selfhash" => KgwSeeding.SelfHash,
        _ => throw new CliException($"--watermark-seeding must be one of lefthash, minhash, selfhash, not '{TerminalText.Escape(text)}'"),
    };

    private static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    private void Applies(ParseResult parse, Option option, WatermarkScheme scheme, params WatermarkScheme[] schemes)
    {
        if (!Given(parse, option) || Array.IndexOf(schemes, scheme) >= 0) return;
        string allowed = string.Join(" or ", Array.ConvertAll(schemes, Name));
        throw new CliException($"{option.Name} applies to {SchemeFlag} {allowed}, not {Name(scheme)}");
    }

    /// <summary>
    /// A message and its bit count: without <paramref name="bits"/>, a binary string (optionally 0b-prefixed), most
    /// significant bit first, whose digit count is the bit count; with it, exactly that many binary digits, or a decimal
    /// or 0x hexadecimal number below 2^bits. A 0/1 string of another length is ambiguous (binary or decimal?) and refused.
    /// </summary>
    internal static (ulong Message, int Bits) ParseMessage(string text, int? bits)
    {
        const string Flag = "--watermark-message";
        string shown = TerminalText.Escape(text);
        string trimmed = text.Trim();
        if (trimmed.Length == 0) throw new CliException($"{Flag}: the message is empty");
        bool prefixedBinary = trimmed.StartsWith("0b", StringComparison.OrdinalIgnoreCase);
        string digits = prefixedBinary ? trimmed[2..] : trimmed;
        bool binary = digits.Length > 0 && digits.All(c => c is '0' or '1');
        if (prefixedBinary && !binary) throw new CliException($"{Flag} '{shown}': 0b takes binary digits only");
        if (bits is not int n)
        {
            if (!binary)
                throw new CliException($"{Flag} '{shown}': without --watermark-bits the message is a binary string such as 10110010; give --watermark-bits N for a decimal or 0x number");
            if (digits.Length > CodableOptions.MaxMessageBits)
                throw new CliException($"{Flag}: {digits.Length} binary digits; a message has at most {CodableOptions.MaxMessageBits} bits");
            return (Convert.ToUInt64(digits, 2), digits.Length);
        }
        if (binary && (digits.Length == n || prefixedBinary))
        {
            if (digits.Length > n) throw new CliException($"{Flag} '{shown}' has {digits.Length} binary digits; --watermark-bits is {n}");
            return (Convert.ToUInt64(digits, 2), n);
        }
        // "0" and "1" read the same either way; any other string of 0s and 1s could mean binary or decimal.
        if (binary && trimmed.Length > 1)
            throw new CliException($"{Flag} '{shown}' could be binary or decimal: write exactly {n} binary digits (--watermark-bits {n}), 0b… or 0x…");
        ulong value;
        bool parsed = trimmed.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(trimmed.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value) && trimmed.Length > 2
            : ulong.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        if (!parsed) throw new CliException($"{Flag} '{shown}' is neither {n} binary digits nor a decimal or 0x number");
        if (n < 64 && value >> n != 0) throw new CliException($"{Flag} {shown} does not fit in {n} bits (--watermark-bits {n})");
        return (value, n);
    }

    /// <summary>A message as its binary string, most significant bit first (the form --watermark-message takes).</summary>
    public static string Binary(ulong message, int bits)
    {
        var chars = new char[bits];
        for (int i = 0; i < bits; i++) chars[i] = ((message >> (bits - 1 - i)) & 1) != 0 ? '1' : '0';
        return new string(chars);
    }
}
