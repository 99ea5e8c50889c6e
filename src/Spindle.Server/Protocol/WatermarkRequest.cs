using System.Text.Json;
using System.Text.Json.Nodes;
using Spindle.Watermarking;
using Spindle.Watermarking.Codable;
using Spindle.Watermarking.Kgw;
using Spindle.Watermarking.Tournament;

namespace Spindle.Server.Protocol;

/// <summary>
/// The request body's <c>watermark</c> object, Spindle's extension:
/// <c>{"scheme": "kgw"|"synthid"|"vanilla", "key": "passphrase", "gamma"?, "delta"?, "context"?, "seeding"?, "layers"?,
/// "message"?, "bits"?}</c> (docs/watermarking.md). Every field is checked here with the library's ranges, and a field
/// that is unknown or belongs to another scheme is a 400 naming it (<c>watermark.gamma</c>), so a typo never generates
/// with other settings than the client will detect with. The key is a passphrase (<see cref="WatermarkKey.FromString"/>),
/// as `spindle generate --watermark-key` and `spindle watermark detect --key` take it.
/// <para>
/// <c>balance</c> is refused (400 <c>unsupported_parameter</c>): Balance-Marking's proxy LM runs one forward pass per
/// generated token inside the sampler chain, so in the batch engine every such sequence would add a single-token pass,
/// run on the engine's one step thread after the batched pass, delaying every other stream's next token, and hold a KV
/// cache of its own outside the pool's admission budget. <c>vanilla</c> carries a message without a proxy.
/// </para>
/// </summary>
internal static class WatermarkRequest
{
    private const string Field = "watermark";

    private static readonly string[] Known = ["scheme", "key", "gamma", "delta", "context", "seeding", "layers", "message", "bits"];

    private static readonly KgwOptions KgwDefaults = new() { Key = default };
    private static readonly TournamentOptions TournamentDefaults = new() { Key = default };
    private static readonly CodableOptions CodableDefaults = new() { Key = default };

    /// <summary>The watermark the body asks for, or null when it has none.</summary>
    public static WatermarkOptions? Parse(JsonObject body)
    {
        var node = body[Field];
        if (node is null) return null;
        if (node is not JsonObject w)
            throw OpenAIException.Invalid(Field, "'watermark' must be an object {\"scheme\": \"kgw\"|\"synthid\"|\"vanilla\", \"key\": \"...\", ...}", "invalid_type");
        foreach (var (name, _) in w)
            if (Array.IndexOf(Known, name) < 0)
                throw OpenAIException.Invalid($"{Field}.{name}", $"'{Field}.{name}' is not a watermark field (known: {string.Join(", ", Known)})", "unknown_parameter");

        string scheme = JsonFields.String(w, "scheme", Param("scheme"))
            ?? throw OpenAIException.Invalid(Param("scheme"), "'watermark.scheme' is required: kgw, synthid or vanilla", "missing_required_parameter");
        if (scheme == "balance")
            throw OpenAIException.Invalid(Param("scheme"),
                "'watermark.scheme' balance is not served: Balance-Marking runs a proxy model's forward pass per token inside each sequence's sampler, " +
                "which the batch engine would run one sequence at a time on its step thread, delaying every other stream; use vanilla (a message without a proxy) " +
                "or `spindle generate --watermark balance`", "unsupported_parameter");
        if (scheme is not ("kgw" or "synthid" or "vanilla"))
            throw OpenAIException.Invalid(Param("scheme"), $"'watermark.scheme' is '{scheme}'; expected kgw, synthid or vanilla");
        string key = JsonFields.String(w, "key", Param("key"))
            ?? throw OpenAIException.Invalid(Param("key"), "'watermark.key' is required: the passphrase detection will need", "missing_required_parameter");
        if (key.Length == 0) throw OpenAIException.Invalid(Param("key"), "'watermark.key' must not be empty");
        if (key.Length > 4096) throw OpenAIException.Invalid(Param("key"), "'watermark.key' is longer than 4096 characters");

        Applies(w, "gamma", scheme, "kgw");
        Applies(w, "seeding", scheme, "kgw");
        Applies(w, "layers", scheme, "synthid");
        Applies(w, "context", scheme, "kgw", "synthid");
        Applies(w, "delta", scheme, "kgw", "vanilla");
        Applies(w, "message", scheme, "vanilla");
        Applies(w, "bits", scheme, "vanilla");

        var watermarkKey = WatermarkKey.FromString(key);
        WatermarkOptions options = scheme switch
        {
            "kgw" => new KgwOptions
            {
                Key = watermarkKey,
                Gamma = Gamma(w),
                Delta = Delta(w, KgwDefaults.Delta),
                ContextWidth = JsonFields.Int(w, "context", 1, KgwOptions.MaxContextWidth, Param("context")) ?? KgwDefaults.ContextWidth,
                Seeding = Seeding(w),
            },
            "synthid" => new TournamentOptions
            {
                Key = watermarkKey,
                Layers = JsonFields.Int(w, "layers", 1, TournamentOptions.MaxLayers, Param("layers")) ?? TournamentDefaults.Layers,
                ContextWidth = JsonFields.Int(w, "context", 1, TournamentOptions.MaxContextWidth, Param("context")) ?? TournamentDefaults.ContextWidth,
            },
            _ => Vanilla(w, watermarkKey),
        };
        options.Validate(); // every field was checked above; this keeps the two in step
        return options;
    }

    private static string Param(string name) => $"{Field}.{name}";

    private static void Applies(JsonObject w, string name, string scheme, params string[] schemes)
    {
        if (w[name] is null || Array.IndexOf(schemes, scheme) >= 0) return;
        throw OpenAIException.Invalid(Param(name), $"'{Param(name)}' applies to scheme {string.Join(" or ", schemes)}, not {scheme}");
    }

    private static double Gamma(JsonObject w)
    {
        double? gamma = JsonFields.Number(w, "gamma", 0, 1, Param("gamma"));
        if (gamma is 0 or 1) throw OpenAIException.Invalid(Param("gamma"), $"'watermark.gamma' is {gamma}; it must be strictly between 0 and 1");
        return gamma ?? KgwDefaults.Gamma;
    }

    private static float Delta(JsonObject w, float fallback) => (float)(JsonFields.Number(w, "delta", 0, 100, Param("delta")) ?? fallback);

    private static KgwSeeding Seeding(JsonObject w) => JsonFields.String(w, "seeding", Param("seeding")) switch
    {
        null => KgwDefaults.Seeding,
        "lefthash" => KgwSeeding.LeftHash,
        "minhash" => KgwSeeding.MinHash,
        "selfhash" => KgwSeeding.SelfHash,
        var other => throw OpenAIException.Invalid(Param("seeding"), $"'watermark.seeding' is '{other}'; expected lefthash, minhash or selfhash"),
    };

    /// <summary>
    /// The message: a binary string, most significant bit first, whose length is the bit count unless <c>bits</c> is
    /// given (then it must have exactly that many digits), or a non-negative integer below 2^bits with <c>bits</c>.
    /// </summary>
    private static CodableOptions Vanilla(JsonObject w, WatermarkKey key)
    {
        int? bits = JsonFields.Int(w, "bits", 1, CodableOptions.MaxMessageBits, Param("bits"));
        ulong message;
        switch (w["message"])
        {
            case null:
                throw OpenAIException.Invalid(Param("message"), "'watermark.message' is required for vanilla: a binary string such as \"10110010\"", "missing_required_parameter");
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                string text = v.GetValue<string>();
                if (text.Length == 0 || text.Length > CodableOptions.MaxMessageBits || !text.All(c => c is '0' or '1'))
                    throw OpenAIException.Invalid(Param("message"), $"'watermark.message' must be a string of 1 to {CodableOptions.MaxMessageBits} binary digits (0 and 1)");
                if (bits is int n && n != text.Length)
                    throw OpenAIException.Invalid(Param("message"), $"'watermark.message' has {text.Length} binary digits but 'watermark.bits' is {n}");
                message = Convert.ToUInt64(text, 2);
                bits = text.Length;
                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.Number:
                if (bits is not int b)
                    throw OpenAIException.Invalid(Param("bits"), "a numeric 'watermark.message' needs 'watermark.bits' (its length in bits)", "missing_required_parameter");
                if (!v.TryGetValue(out ulong number) || (b < 64 && number >> b != 0))
                    throw OpenAIException.Invalid(Param("message"), $"'watermark.message' must be an integer from 0 to 2^{b} − 1 ('watermark.bits' is {b})");
                message = number;
                break;
            default:
                throw OpenAIException.Invalid(Param("message"), "'watermark.message' must be a binary string or an integer", "invalid_type");
        }
        return new CodableOptions
        {
            Key = key, Scheme = CodableScheme.Vanilla, Message = message, MessageBits = bits.Value, Delta = Delta(w, CodableDefaults.Delta),
        };
    }
}
