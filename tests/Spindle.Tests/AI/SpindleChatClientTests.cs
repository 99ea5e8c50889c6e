using Microsoft.Extensions.AI;
using Spindle.AI;
using Spindle.Generation;
using Spindle.Sampling;
using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.AI;

public sealed class SpindleChatClientTests
{
    private static readonly ChatMessage[] Conversation = [new(ChatRole.System, "Tell stories."), new(ChatRole.User, "Once upon a time")];

    [Fact]
    public async Task ResponseCarriesTextUsageAndFinishReason()
    {
        using var model = Load(Stories260K);
        IChatClient client = new SpindleChatClient(model);
        var response = await client.GetResponseAsync(Conversation, new ChatOptions { Temperature = 0, MaxOutputTokens = 12 });
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(12, response.Usage!.OutputTokenCount);
        var spindleMessages = new[] { Spindle.Chat.ChatMessage.System("Tell stories."), Spindle.Chat.ChatMessage.User("Once upon a time") };
        Assert.Equal(model.EncodeChat(spindleMessages).Length, response.Usage.InputTokenCount);
        Assert.Equal(response.Usage.InputTokenCount + 12, response.Usage.TotalTokenCount);

        var direct = Collect(model.GenerateAsync(spindleMessages, new GenerationOptions { MaxTokens = 12, Sampling = SamplingOptions.Greedy }));
        Assert.Equal(TextOf(direct), response.Text);
        Assert.Equal(ChatRole.Assistant, response.Messages.Single().Role);
    }

    [Fact]
    public async Task StreamingGivesTheSameTextAsTheWholeResponse()
    {
        using var model = Load(TinyStoriesF16);
        IChatClient client = new SpindleChatClient(model);
        var options = new ChatOptions { Temperature = 0.9f, TopK = 30, TopP = 0.9f, Seed = 42, MaxOutputTokens = 40 };
        var whole = await client.GetResponseAsync(Conversation, options);
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in client.GetStreamingResponseAsync(Conversation, options)) updates.Add(u);
        Assert.Equal(whole.Text, string.Concat(updates.Select(u => u.Text)));
        Assert.True(updates.Count > 1);
        var usage = updates.SelectMany(u => u.Contents).OfType<UsageContent>().Single();
        Assert.Equal(whole.Usage!.OutputTokenCount, usage.Details.OutputTokenCount);
        Assert.Equal(whole.FinishReason, updates[^1].FinishReason);
        var combined = updates.ToChatResponse();
        Assert.Equal(whole.Text, combined.Text);
    }

    [Fact]
    public async Task StopSequencesEndTheResponseBeforeThem()
    {
        using var model = Load(Stories260K);
        var client = new SpindleChatClient(model);
        var free = await client.GetResponseAsync(Conversation, new ChatOptions { Temperature = 0, MaxOutputTokens = 30 });
        string stop = free.Text.Substring(8, 4);
        var stopped = await client.GetResponseAsync(Conversation, new ChatOptions { Temperature = 0, MaxOutputTokens = 30, StopSequences = [stop] });
        Assert.Equal(ChatFinishReason.Stop, stopped.FinishReason);
        Assert.Equal(free.Text[..free.Text.IndexOf(stop, StringComparison.Ordinal)], stopped.Text);
    }

    [Fact]
    public async Task CancellationThrows()
    {
        using var model = Load(Stories260K);
        var client = new SpindleChatClient(model);
        using var cts = new CancellationTokenSource();
        int seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var u in client.GetStreamingResponseAsync(Conversation, new ChatOptions { MaxOutputTokens = 200 }, cts.Token))
                if (++seen == 3) cts.Cancel();
        });
        Assert.Equal(3, seen);
    }

    [Fact]
    public void ChatOptionsMapOntoGenerationOptions()
    {
        var mapped = ChatOptionsMapper.Apply(new GenerationOptions { StopStrings = ["x"] }, new ChatOptions
        {
            Temperature = 0.5f, TopP = 0.7f, TopK = 7, MaxOutputTokens = 9, StopSequences = ["END"], Seed = 11,
            FrequencyPenalty = 0.25f, PresencePenalty = 0.5f,
        });
        Assert.Equal(0.5f, mapped.Sampling.Temperature);
        Assert.Equal(0.7f, mapped.Sampling.TopP);
        Assert.Equal(7, mapped.Sampling.TopK);
        Assert.Equal(0.25f, mapped.Sampling.FrequencyPenalty);
        Assert.Equal(0.5f, mapped.Sampling.PresencePenalty);
        Assert.Equal(9, mapped.MaxTokens);
        Assert.Equal(11UL, mapped.Seed);
        Assert.Equal(["x", "END"], mapped.StopStrings);
        var untouched = ChatOptionsMapper.Apply(new GenerationOptions(), new ChatOptions());
        Assert.Equal(new SamplingOptions().TopK, untouched.Sampling.TopK);
    }

    [Fact]
    public void MetadataNamesTheModel()
    {
        using var model = Load(Stories260K);
        IChatClient client = new SpindleChatClient(model, modelId: "stories");
        Assert.Equal("stories", client.GetService<ChatClientMetadata>()!.DefaultModelId);
        Assert.Same(model, client.GetService<SpindleModel>());
    }

    [Fact]
    public async Task JsonSchemaResponseFormatConstrainsTheReply()
    {
        using var model = Load(Stories260K);
        IChatClient client = new SpindleChatClient(model);
        const string schema = """{"type":"object","properties":{"mood":{"enum":["happy","sad"]},"age":{"type":"integer","minimum":1,"maximum":9}},"required":["mood","age"],"additionalProperties":false}""";
        using var schemaDoc = System.Text.Json.JsonDocument.Parse(schema);
        var validator = Spindle.Constraints.JsonSchema.Validation.JsonSchemaValidator.Compile(schema);
        for (int seed = 1; seed <= 3; seed++)
        {
            var response = await client.GetResponseAsync(Conversation, new ChatOptions
            {
                Seed = seed, MaxOutputTokens = 200, ResponseFormat = ChatResponseFormat.ForJsonSchema(schemaDoc.RootElement.Clone(), "person"),
            });
            Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
            using var doc = System.Text.Json.JsonDocument.Parse(response.Text);
            Assert.True(validator.IsValid(doc.RootElement), response.Text);
        }
    }

    [Fact]
    public void ResponseFormatMapsOntoTheConstraint()
    {
        var defaults = new GenerationOptions { Constraint = ConstraintSpec.Regex("x") };
        Assert.Equal(ConstraintKind.JsonSchema, ChatOptionsMapper.Apply(defaults, new ChatOptions { ResponseFormat = ChatResponseFormat.Json }).Constraint!.Kind);
        Assert.Equal(ChatOptionsMapper.JsonObjectSchema, ChatOptionsMapper.Apply(defaults, new ChatOptions { ResponseFormat = ChatResponseFormat.Json }).Constraint!.Source);
        Assert.Null(ChatOptionsMapper.Apply(defaults, new ChatOptions { ResponseFormat = ChatResponseFormat.Text }).Constraint);
        Assert.Same(defaults.Constraint, ChatOptionsMapper.Apply(defaults, new ChatOptions { Temperature = 0 }).Constraint);
    }
}
