namespace Spindle.Cli;

/// <summary>A mistake in how the command was called (bad input file, conflicting options): reported as one line, exit code 2.</summary>
public sealed class CliException(string message) : Exception(message);
