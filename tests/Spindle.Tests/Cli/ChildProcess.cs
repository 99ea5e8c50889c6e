using System.Diagnostics;

namespace Spindle.Tests.Cli;

/// <summary>Runs a program to completion with captured streams and a time limit (a hang fails the test, not the run).</summary>
internal static class ChildProcess
{
    public sealed record Result(int ExitCode, string Out, string Error);

    public static Result Run(string fileName, IEnumerable<string> arguments, string workingDirectory, TimeSpan limit,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (string a in arguments) start.ArgumentList.Add(a);
        // Neither the test run's model choice nor its runtime knobs leak into the child.
        start.Environment.Remove("SPINDLE_MODEL");
        foreach (string name in start.Environment.Keys.ToArray())
            if (name.StartsWith("DOTNET_Enable", StringComparison.OrdinalIgnoreCase)) start.Environment.Remove(name);
        if (environment != null)
            foreach (var (name, value) in environment)
                if (value is null) start.Environment.Remove(name);
                else start.Environment[name] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        process.StandardInput.Close();
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{fileName} {string.Join(' ', arguments)} did not finish within {limit.TotalSeconds:0} s");
        }
        process.WaitForExit();
        return new Result(process.ExitCode, output.Result, error.Result);
    }
}
