namespace Spindle.Cli;

public static class Program
{
    public static int Main(string[] args) => SpindleCommand.Run(args);
}
