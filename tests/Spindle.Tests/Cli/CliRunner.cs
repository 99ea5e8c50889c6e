using Spindle.Cli;

namespace Spindle.Tests.Cli;

/// <summary>Runs `spindle` in-process with captured streams.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Out, string Error)
    {
        public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public static Result Run(params string[] args) => RunWithInput(null, args);

    public static Result RunWithInput(string? stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = SpindleCommand.Run(args, output, error, stdin == null ? null : new StringReader(stdin));
        return new Result(code, output.ToString().Replace("\r\n", "\n"), error.ToString().Replace("\r\n", "\n"));
    }
}
