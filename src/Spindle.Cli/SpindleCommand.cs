using System.CommandLine;

namespace Spindle.Cli;

/// <summary>The `spindle` root command: each verb lives in its own file under Commands/.</summary>
public static class SpindleCommand
{
    public static int Run(string[] args)
    {
        var root = new RootCommand("Spindle: run GGUF language models on the CPU, with control over how text is generated.");
        return root.Parse(args).Invoke();
    }
}
