using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Spindle.Cli;

/// <summary>
/// The process's standard input as a reader. On a Unix terminal this reads file descriptor 0 directly instead of
/// <see cref="Console.In"/>: .NET's console reader switches the terminal out of canonical mode only while a read is in
/// progress, so a Ctrl-D typed between reads (while a reply streams, or in the moment after the prompt is printed) is
/// taken by the terminal's canonical line discipline and then handed to .NET as a NUL byte — the chat never sees end of
/// input. Plain reads of the descriptor leave line editing, type-ahead and Ctrl-D to the terminal, where they belong.
/// </summary>
internal static class StandardInput
{
    public static TextReader Open()
    {
        if (Console.IsInputRedirected || OperatingSystem.IsWindows()) return Console.In;
        var handle = new SafeFileHandle(0, ownsHandle: false);
        var stream = new FileStream(handle, FileAccess.Read, bufferSize: 0);
        return new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false, bufferSize: 4096);
    }
}
