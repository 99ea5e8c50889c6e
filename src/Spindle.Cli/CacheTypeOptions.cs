using System.CommandLine;
using Spindle.Caching;

namespace Spindle.Cli;

/// <summary>llama.cpp's <c>--cache-type-k/-ctk</c> and <c>--cache-type-v/-ctv</c>: the KV cache's element types.</summary>
internal sealed class CacheTypeOptions
{
    private readonly Option<string> _keys = new("--cache-type-k", "-ctk")
    {
        Description = "KV cache type for keys: f16 (default), f32, q8_0, q4_0 (quantized types need heads that are a multiple of 32 wide)",
        DefaultValueFactory = _ => "f16",
    };

    private readonly Option<string> _values = new("--cache-type-v", "-ctv")
    {
        Description = "KV cache type for values: f16 (default), f32, q8_0, q4_0",
        DefaultValueFactory = _ => "f16",
    };

    public IEnumerable<Option> All => [_keys, _values];

    public KvCacheFormat Parse(ParseResult parse) => new(ParseOne(parse, _keys), ParseOne(parse, _values));

    private static KvCacheType ParseOne(ParseResult parse, Option<string> option)
    {
        string text = parse.GetValue(option) ?? "f16";
        return KvCacheTypes.TryParse(text, out var type)
            ? type
            : throw new CliException($"{option.Name} must be one of f16, f32, q8_0, q4_0, not '{TerminalText.Escape(text)}'");
    }
}
