using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Spindle.Decoding.Speculative;
using Spindle.Gguf;
using Spindle.Tokenization;
using Spindle.Watermarking;
using Spindle.Watermarking.Codable;
using Spindle.Watermarking.Kgw;
using Spindle.Watermarking.Tournament;

namespace Spindle.Server.Tests;

/// <summary>
/// The request body's <c>watermark</c> over HTTP: completions served with it are detected from their text (re-tokenized
/// as a continuation, as `spindle watermark detect` reads it), the same request without it is not, and every field is
/// checked with a 400 naming it.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class WatermarkServingTests(ServerFixture fixture, ITestOutputHelper output)
{
    private static readonly Lazy<Tokenizer> Stories260KTokenizer = new(() =>
    {
        using var file = GgufFile.Open(SharedModels.Stories260K);
        return Tokenizer.FromGguf(file);
    });

    private static StringContent Json(JsonObject body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    /// <summary>200 tokens at temperature 1 over the whole vocabulary from stories260K, with <paramref name="watermark"/> when given.</summary>
    private static JsonObject Completion(JsonObject? watermark, long seed, bool chat = false)
    {
        var body = new JsonObject
        {
            ["model"] = "stories260K.q8_0",
            ["max_tokens"] = 200,
            ["temperature"] = 1,
            ["seed"] = seed,
            ["ignore_eos"] = true,
        };
        if (chat) body["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Tell me a story" });
        else body["prompt"] = "Once upon a time";
        if (watermark is not null) body["watermark"] = watermark;
        return body;
    }

    private static async Task<string> TextOf(HttpClient http, JsonObject body, bool chat = false)
    {
        using var response = await http.PostAsync(chat ? "/v1/chat/completions" : "/v1/completions", Json(body));
        string json = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, json);
        var choice = JsonNode.Parse(json)!["choices"]![0]!;
        return chat ? choice["message"]!["content"]!.GetValue<string>() : choice["text"]!.GetValue<string>();
    }

    private static int[] Ids(string text) => Stories260KTokenizer.Value.EncodeContinuation(text);

    private static JsonObject Kgw(string key) => new() { ["scheme"] = "kgw", ["key"] = key };

    [Fact]
    public async Task KgwCompletionsAreDetectedAndPlainOnesAreNot()
    {
        using var http = fixture.Server.Http();
        var detector = new KgwDetector(new KgwOptions { Key = WatermarkKey.FromString("server secret") });
        var marked = detector.Detect(Ids(await TextOf(http, Completion(Kgw("server secret"), seed: 11))));
        output.WriteLine($"kgw: watermarked z {marked.ZScore:F2} over {marked.ScoredTokens} scored tokens");
        Assert.True(marked.ZScore > 4, $"z {marked.ZScore} over {marked.ScoredTokens} tokens");
        Assert.Equal(WatermarkVerdict.Watermarked, marked.Verdict);
        Assert.True(marked.ScoredTokens >= 100, $"{marked.ScoredTokens} scored");

        var plain = detector.Detect(Ids(await TextOf(http, Completion(null, seed: 11))));
        output.WriteLine($"kgw: unwatermarked z {plain.ZScore:F2} over {plain.ScoredTokens} scored tokens");
        Assert.True(plain.ZScore < 4, $"unwatermarked z {plain.ZScore}");
        Assert.NotEqual(WatermarkVerdict.Watermarked, plain.Verdict);

        // The chat endpoint builds the same chain.
        var chatted = detector.Detect(Ids(await TextOf(http, Completion(Kgw("server secret"), seed: 12, chat: true), chat: true)));
        output.WriteLine($"kgw, chat: z {chatted.ZScore:F2} over {chatted.ScoredTokens}");
        Assert.Equal(WatermarkVerdict.Watermarked, chatted.Verdict);
    }

    [Fact]
    public async Task EveryKgwFieldReachesTheStage()
    {
        using var http = fixture.Server.Http();
        var watermark = new JsonObject { ["scheme"] = "kgw", ["key"] = "k", ["gamma"] = 0.5, ["delta"] = 3, ["context"] = 2, ["seeding"] = "minhash" };
        int[] ids = Ids(await TextOf(http, Completion(watermark, seed: 13)));
        var options = new KgwOptions { Key = WatermarkKey.FromString("k"), Gamma = 0.5, Delta = 3, ContextWidth = 2, Seeding = KgwSeeding.MinHash };
        Assert.Equal(WatermarkVerdict.Watermarked, new KgwDetector(options).Detect(ids).Verdict);
        Assert.NotEqual(WatermarkVerdict.Watermarked, new KgwDetector(options with { Seeding = KgwSeeding.LeftHash }).Detect(ids).Verdict);
    }

    [Fact]
    public async Task SynthIdAndVanillaCompletionsAreDetected()
    {
        using var http = fixture.Server.Http();
        var tournament = new TournamentDetector(new TournamentOptions { Key = WatermarkKey.FromString("sid") });
        var found = tournament.Detect(Ids(await TextOf(http, Completion(new JsonObject { ["scheme"] = "synthid", ["key"] = "sid" }, seed: 21))));
        output.WriteLine($"synthid: z {found.ZScore:F2}, p {found.PValue:G3} over {found.ScoredTokens}");
        Assert.Equal(WatermarkVerdict.Watermarked, found.Verdict);
        var plain = tournament.Detect(Ids(await TextOf(http, Completion(null, seed: 21))));
        Assert.NotEqual(WatermarkVerdict.Watermarked, plain.Verdict);

        var vanilla = new JsonObject { ["scheme"] = "vanilla", ["key"] = "msg", ["message"] = "10110010" };
        var decoded = new CodableDecoder(new CodableOptions { Key = WatermarkKey.FromString("msg"), Scheme = CodableScheme.Vanilla, MessageBits = 8 })
            .Decode(Ids(await TextOf(http, Completion(vanilla, seed: 22))));
        Assert.Equal(0b10110010UL, decoded.Message);
        // The same message as a number with its bit count.
        var numeric = new JsonObject { ["scheme"] = "vanilla", ["key"] = "msg", ["message"] = 178, ["bits"] = 8 };
        Assert.Equal(0b10110010UL, new CodableDecoder(new CodableOptions { Key = WatermarkKey.FromString("msg"), Scheme = CodableScheme.Vanilla, MessageBits = 8 })
            .Decode(Ids(await TextOf(http, Completion(numeric, seed: 23)))).Message);
    }

    [Fact]
    public async Task SynthIdLeavesGreedyRequestsAsTheyWere()
    {
        using var http = fixture.Server.Http();
        var greedy = Completion(null, seed: 1);
        greedy["temperature"] = 0;
        greedy["max_tokens"] = 40;
        string plain = await TextOf(http, greedy);
        greedy["watermark"] = new JsonObject { ["scheme"] = "synthid", ["key"] = "sid" };
        Assert.Equal(plain, await TextOf(http, greedy));
    }

    [Fact]
    public async Task AWatermarkCombinesWithSpeculationAndAConstraint()
    {
        await using var server = await TestServer.StartAsync(o =>
        {
            o.Models.RemoveAt(1);
            o.Speculation = new SpeculationOptions { DraftMax = 6 };
            o.DraftModelPath = SharedModels.Stories281K;
        });
        using var http = server.Http();
        var detector = new KgwDetector(new KgwOptions { Key = WatermarkKey.FromString("spec") });
        // Speculative sampling is lossless with respect to the watermarked distribution: the watermark stays.
        var found = detector.Detect(Ids(await TextOf(http, Completion(Kgw("spec"), seed: 31))));
        output.WriteLine($"kgw with a draft model: z {found.ZScore:F2} over {found.ScoredTokens}");
        Assert.Equal(WatermarkVerdict.Watermarked, found.Verdict);

        // With a regex: the output matches it, and the watermark's stage (after the mask) changed the draws.
        var constrained = Completion(Kgw("spec"), seed: 32);
        constrained["regex"] = "( [a-z]+){10}";
        constrained.Remove("ignore_eos");
        string text = await TextOf(http, constrained);
        Assert.Matches("^( [a-z]+){10}$", text);
        constrained.Remove("watermark");
        Assert.NotEqual(text, await TextOf(http, constrained));
    }

    [Theory]
    [InlineData("""{"watermark":"kgw"}""", "watermark", "invalid_type")]
    [InlineData("""{"watermark":{}}""", "watermark.scheme", "missing_required_parameter")]
    [InlineData("""{"watermark":{"scheme":"kgw"}}""", "watermark.key", "missing_required_parameter")]
    [InlineData("""{"watermark":{"scheme":"kgw","key":""}}""", "watermark.key", "invalid_value")]
    [InlineData("""{"watermark":{"scheme":"kgw","key":7}}""", "watermark.key", "invalid_type")]
    [InlineData("""{"watermark":{"scheme":"rot13","key":"k"}}""", "watermark.scheme", "invalid_value")]
    [InlineData("""{"watermark":{"scheme":"balance","key":"k","message":"1"}}""", "watermark.scheme", "unsupported_parameter")]
    [InlineData("""{"watermark":{"scheme":"kgw","key":"k","gama":0.5}}""", "watermark.gama", "unknown_parameter")]
    [InlineData("""{"watermark":{"scheme":"kgw","key":"k","gamma":1}}""", "watermark.gamma", "invalid_value")]
    [InlineData("""{"watermark":{"scheme":"kgw","key":"k","gamma":0}}""", "watermark.gamma", "invalid_value")]
    [InlineData("""{"watermark":{"scheme":"kgw","key":"k","gamma":"0.5"}}""", "watermark.gamma", "invalid_type")]
    [InlineData("""{"watermark":{"scheme":"kgw","key":"k","delta":-1}}""", "watermark.delta", "invalid_value")]
    [InlineData("""{"watermark":{"scheme":"kgw","key":"k","delta":1000}}""", "watermark.delta", "invalid_value")]
    [InlineData("""{"watermark":{"scheme":"kgw","key":"k","context":0}}""", "watermark.context", "invalid_value")]
    [InlineData("""{"watermark":{"scheme":"kgw","key":"k","context":17}}""", "watermark.context", "invalid_value")]
    [InlineData("""{"watermark":{"scheme":"kgw","key":"k","context":1.5}}""", "watermark.context", "invalid_type")]
    [InlineData("""{"watermark":{"scheme":"kgw","key":"k","seeding":"tophash"}}""", "watermark.seeding", "invalid_value")]
    [InlineData("""{"watermark":{"scheme":"kgw","key":"k","layers":4}}""", "watermark.layers", "invalid_value")]
    [InlineData("""{"watermark":{"scheme":"synthid","key":"k","layers":0}}""", "watermark.layers", "invalid_value")]
    [InlineData("""{"watermark":{"scheme":"synthid","key":"k","layers":65}}""", "watermark.layers", "invalid_value")]
    [InlineData("""{"watermark":{"scheme":"synthid","key":"k","gamma":0.5}}""", "watermark.gamma", "invalid_value")]
    [InlineData("""{"watermark":{"scheme":"synthid","key":"k","delta":2}}""", "watermark.delta", "invalid_value")]
    [InlineData("""{"watermark":{"scheme":"synthid","key":"k"},"mirostat":2}""", "watermark.scheme", "invalid_value")]
    [InlineData("""{"watermark":{"scheme":"vanilla","key":"k"}}""", "watermark.message", "missing_required_parameter")]
    [InlineData("""{"watermark":{"scheme":"vanilla","key":"k","message":"10201"}}""", "watermark.message", "invalid_value")]
    [InlineData("""{"watermark":{"scheme":"vanilla","key":"k","message":""}}""", "watermark.message", "invalid_value")]
    [InlineData("""{"watermark":{"scheme":"vanilla","key":"k","message":"101010101010101010101010101010101"}}""", "watermark.message", "invalid_value")]
    [InlineData("""{"watermark":{"scheme":"vanilla","key":"k","message":"1011","bits":8}}""", "watermark.message", "invalid_value")]
    [InlineData("""{"watermark":{"scheme":"vanilla","key":"k","message":178}}""", "watermark.bits", "missing_required_parameter")]
    [InlineData("""{"watermark":{"scheme":"vanilla","key":"k","message":300,"bits":8}}""", "watermark.message", "invalid_value")]
    [InlineData("""{"watermark":{"scheme":"vanilla","key":"k","message":-1,"bits":8}}""", "watermark.message", "invalid_value")]
    [InlineData("""{"watermark":{"scheme":"vanilla","key":"k","message":[1]}}""", "watermark.message", "invalid_type")]
    [InlineData("""{"watermark":{"scheme":"vanilla","key":"k","message":"1","bits":33}}""", "watermark.bits", "invalid_value")]
    [InlineData("""{"watermark":{"scheme":"vanilla","key":"k","message":"1","context":2}}""", "watermark.context", "invalid_value")]
    [InlineData("""{"watermark":{"scheme":"kgw","key":"k","message":"1"}}""", "watermark.message", "invalid_value")]
    public async Task InvalidWatermarkFieldsAre400sNamingThem(string body, string param, string code)
    {
        using var http = fixture.Server.Http();
        var json = JsonNode.Parse(body)!.AsObject();
        json["prompt"] = "Once";
        json["max_tokens"] = 2;
        foreach (string path in new[] { "/v1/completions", "/v1/chat/completions" })
        {
            if (path.Contains("chat"))
            {
                json.Remove("prompt");
                json["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" });
            }
            using var response = await http.PostAsync(path, Json(json));
            string text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path} {body}: {response.StatusCode} {text}");
            var error = JsonNode.Parse(text)!["error"]!;
            Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
            Assert.Equal(param, error["param"]!.GetValue<string>());
            Assert.Equal(code, error["code"]!.GetValue<string>());
        }
    }
}
