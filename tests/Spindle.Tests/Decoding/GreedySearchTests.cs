using Spindle.Decoding;
using Spindle.Tests.Models;

namespace Spindle.Tests.Decoding;

public sealed class GreedySearchTests
{
    [Fact]
    public void MatchesLlamaCppGreedyContinuation()
    {
        var entry = ReferenceModels.Find(DecodingModels.Stories);
        using var model = DecodingModels.Load(DecodingModels.Stories);
        var result = GreedySearch.Run(model, entry.Prompt, new GreedySearchOptions { MaxNewTokens = 60 });
        Assert.Equal(ReferenceModels.ReadGreedy(entry).AsSpan(0, 60).ToArray(), result.Tokens);
        Assert.Null(result.StopToken);
        Assert.True(result.SumLogProb < 0);
    }

    [Fact]
    public void StopsAtAStopTokenWithoutEmittingIt()
    {
        using var model = DecodingModels.Load(DecodingModels.Stories);
        int[] prompt = DecodingModels.Prompt(model, 0);
        var full = GreedySearch.Run(model, prompt, new GreedySearchOptions { MaxNewTokens = 12 });
        int stop = full.Tokens[5];
        int first = Array.IndexOf(full.Tokens, stop);
        var stopped = GreedySearch.Run(model, prompt, new GreedySearchOptions { MaxNewTokens = 12, StopTokens = [stop] });
        Assert.Equal(full.Tokens.AsSpan(0, first).ToArray(), stopped.Tokens);
        Assert.Equal(stop, stopped.StopToken);
    }
}
