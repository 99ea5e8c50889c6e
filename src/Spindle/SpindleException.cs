namespace Spindle;

/// <summary>
/// An expected failure: bad input (a malformed file, a template or grammar that does not compile, an option out of
/// range) or a request the machine cannot serve (a context that does not fit in memory, a prompt longer than the
/// context). The message says what is wrong and, where one exists, what to change. Front ends (the CLI, the server)
/// report these as they are; any other exception escaping the library is a bug.
/// </summary>
public abstract class SpindleException : Exception
{
    protected SpindleException(string message) : base(message) { }

    protected SpindleException(string message, Exception? inner) : base(message, inner) { }
}
