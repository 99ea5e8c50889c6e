using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Metrics;
using Spindle.Server.Endpoints;
using Spindle.Server.Models;
using Spindle.Server.Telemetry;

namespace Spindle.Server;

public static class SpindleServiceCollectionExtensions
{
    /// <summary>
    /// Registers what <see cref="SpindleEndpointRouteBuilderExtensions.MapSpindleOpenAI"/> serves: the model registry
    /// (models load on first use), the metrics and their OpenTelemetry Prometheus exporter.
    /// </summary>
    public static IServiceCollection AddSpindle(this IServiceCollection services, Action<SpindleServerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new SpindleServerOptions();
        configure(options);
        options.Validate();
        services.TryAddSingleton(options);
        services.TryAddSingleton<ModelRegistry>();
        services.TryAddSingleton<ServerMetrics>();
        services.TryAddSingleton<Hosting.ApiHandler>();
        services.TryAddSingleton<GenerationEndpoints>();
        services.TryAddSingleton<EmbeddingsEndpoint>();
        services.TryAddSingleton<UtilityEndpoints>();
        services.AddMetrics();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(ServerMetrics.MeterName)
            .AddPrometheusExporter());
        return services;
    }
}
