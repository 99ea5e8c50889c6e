using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenAI;

namespace Spindle.Server.Tests;

/// <summary>
/// A minimal ASP.NET Core app hosting <c>MapSpindleOpenAI()</c> on a real Kestrel socket at 127.0.0.1 (a free port),
/// the way a user's own app would.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    public const string ApiKey = "test-key";

    private readonly WebApplication _app;

    private TestServer(WebApplication app, Uri address)
    {
        _app = app;
        BaseAddress = address;
    }

    public Uri BaseAddress { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<TestServer> StartAsync(Action<SpindleServerOptions>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSpindle(o =>
        {
            o.Models.Add(SharedModels.Stories260K);
            o.Models.Add(SharedModels.TinyStories);
            o.ApiKey = ApiKey;
            o.Parallel = 4;
            o.ContextLength = 1024; // past the models' 512: tool descriptions alone take ~350 of stories260K's tokens
            o.Threads = 2;
            configure?.Invoke(o);
        });
        var app = builder.Build();
        app.MapSpindleOpenAI();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestServer(app, new Uri(address));
    }

    /// <summary>The official OpenAI client pointed at this server, without retries (so a 429 is seen as one).</summary>
    public OpenAIClient OpenAI(string? apiKey = ApiKey) => new(new ApiKeyCredential(apiKey ?? "none"), new OpenAIClientOptions
    {
        Endpoint = new Uri(BaseAddress, "/v1"),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        NetworkTimeout = TimeSpan.FromMinutes(2),
    });

    public HttpClient Http(string? apiKey = ApiKey)
    {
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        if (apiKey is not null) http.DefaultRequestHeaders.Authorization = new("Bearer", apiKey);
        return http;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One server shared by the tests of a collection.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Server = await TestServer.StartAsync();

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "server";
}
