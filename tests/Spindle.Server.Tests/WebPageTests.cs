using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace Spindle.Server.Tests;

/// <summary>
/// The chat page at GET / in a real headless Chromium (Debian's, which .ci/run installs), driven by Playwright: a
/// streamed reply, then JSON-schema mode with the validated object. Screenshots go to TestResults/.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class WebPageTests(ServerFixture fixture, ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task ChatStreamsAndJsonModeShowsTheValidatedObject()
    {
        if (!File.Exists(Chromium)) Assert.Skip($"{Chromium} is not installed (apt-get install chromium; .ci/run does)");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1200, Height = 900 } });
        var consoleErrors = new List<string>();
        page.Console += (_, message) => { if (message.Type == "error") consoleErrors.Add(message.Text); };
        await page.GotoAsync(fixture.Server.BaseAddress.ToString());

        await page.FillAsync("#api-key", TestServer.ApiKey);
        await page.DispatchEventAsync("#api-key", "change");
        // A selector wait, not a polled JS predicate: the page's Content-Security-Policy forbids eval.
        await page.WaitForSelectorAsync("#model option >> nth=1", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await page.SelectOptionAsync("#model", "stories260K.q8_0");
        await page.FillAsync("#max-tokens", "60");
        await page.FillAsync("#temperature", "0");

        // The tiny model writes its whole reply in a few milliseconds, faster than the page reads; a slow link (about
        // 4 KB/s, Chromium's network emulation) makes the events arrive over seconds, as from a large model.
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("Network.enable");
        await cdp.SendAsync("Network.emulateNetworkConditions", new Dictionary<string, object>
        {
            ["offline"] = false, ["latency"] = 0, ["downloadThroughput"] = 4000, ["uploadThroughput"] = 1_000_000,
        });
        // Count DOM updates of the message list: a streamed reply changes it many times, a whole one once or twice.
        await page.EvaluateAsync("""
            window.__updates = 0;
            new MutationObserver(() => window.__updates++).observe(document.querySelector('#messages'), { subtree: true, childList: true, characterData: true });
            """);
        await page.FillAsync("#message", "Once upon a time there was a dog");
        await page.ClickAsync("#send");
        await page.WaitForSelectorAsync("#status[data-state=done]", new PageWaitForSelectorOptions { Timeout = 60_000 });
        string reply = await page.InnerTextAsync("#messages .message.assistant >> nth=-1");
        Assert.False(string.IsNullOrWhiteSpace(reply));
        int updates = await page.EvaluateAsync<int>("window.__updates");
        Assert.True(updates > 5, $"the reply arrived piece by piece ({updates} updates)");
        await cdp.SendAsync("Network.emulateNetworkConditions", new Dictionary<string, object>
        {
            ["offline"] = false, ["latency"] = 0, ["downloadThroughput"] = -1, ["uploadThroughput"] = -1,
        });
        Assert.Matches(@"\d", await page.InnerTextAsync("#tps"));
        await Screenshot(page, "chat");

        await page.ClickAsync("#new-chat");
        await page.CheckAsync("#json-mode");
        await page.FillAsync("#json-schema", """
            {"type":"object","properties":{"name":{"type":"string","maxLength":12},"age":{"type":"integer","minimum":1,"maximum":12}},"required":["name","age"],"additionalProperties":false}
            """);
        await page.FillAsync("#max-tokens", "120");
        await page.FillAsync("#message", "Who is the hero of the story?");
        await page.ClickAsync("#send");
        await page.WaitForSelectorAsync("#status[data-state=done]", new PageWaitForSelectorOptions { Timeout = 60_000 });
        await page.WaitForSelectorAsync("#json-result", new PageWaitForSelectorOptions { State = WaitForSelectorState.Visible });
        var shown = JsonNode.Parse(await page.InnerTextAsync("#json-result"))!.AsObject();
        Assert.True(shown["name"]!.GetValue<string>().Length <= 12);
        Assert.InRange(shown["age"]!.GetValue<int>(), 1, 12);
        await Screenshot(page, "json-schema");
        // The page asks for the model list before the key is typed; that 401 is the only error it may log.
        Assert.DoesNotContain(consoleErrors, e => !e.Contains("401"));
    }

    private async Task Screenshot(IPage page, string name)
    {
        string path = Path.Combine(SharedModels.ArtifactsDirectory, $"web-page-{name}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        output.WriteLine($"screenshot: {path}");
    }
}
