using System.Text.Json.Serialization;

namespace Spindle.Cli;

/// <summary>
/// The types the CLI hands to JsonSerializer, with their serializers generated at compile time: reflection-based
/// serialization needs code the native (NativeAOT) build cannot generate at run time.
/// </summary>
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(List<int>))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
