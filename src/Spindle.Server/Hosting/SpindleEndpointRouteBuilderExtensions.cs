using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Spindle.Server.Endpoints;
using Spindle.Server.Hosting;

namespace Spindle.Server;

public static class SpindleEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the OpenAI-compatible API (<c>/v1/models</c>, <c>/v1/chat/completions</c>, <c>/v1/completions</c>,
    /// <c>/v1/embeddings</c>), llama-server's <c>/tokenize</c>, <c>/detokenize</c> and <c>/apply-template</c>,
    /// <c>/health</c>, Prometheus <c>/metrics</c> and, unless <paramref name="webPage"/> is false, the chat page at
    /// <c>/</c>. Needs <see cref="SpindleServiceCollectionExtensions.AddSpindle"/>.
    /// </summary>
    public static IEndpointRouteBuilder MapSpindleOpenAI(this IEndpointRouteBuilder endpoints, bool webPage = true)
    {
        var services = endpoints.ServiceProvider;
        var api = services.GetRequiredService<ApiHandler>();
        var generation = services.GetRequiredService<GenerationEndpoints>();
        var embeddings = services.GetRequiredService<EmbeddingsEndpoint>();
        var utility = services.GetRequiredService<UtilityEndpoints>();

        endpoints.MapGet("/v1/models", api.Wrap(utility.ModelsAsync));
        endpoints.MapPost("/v1/chat/completions", api.Wrap(generation.ChatAsync));
        endpoints.MapPost("/v1/completions", api.Wrap(generation.CompletionsAsync));
        endpoints.MapPost("/v1/embeddings", api.Wrap(embeddings.HandleAsync));
        endpoints.MapPost("/tokenize", api.Wrap(utility.TokenizeAsync));
        endpoints.MapPost("/detokenize", api.Wrap(utility.DetokenizeAsync));
        endpoints.MapPost("/apply-template", api.Wrap(utility.ApplyTemplateAsync));
        endpoints.MapGet("/health", api.Wrap(utility.HealthAsync, authenticate: false));
        endpoints.MapPrometheusScrapingEndpoint("/metrics");
        if (webPage) endpoints.MapGet("/", WebPage.HandleAsync);
        return endpoints;
    }
}
