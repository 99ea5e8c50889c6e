using System.Runtime.CompilerServices;

namespace Spindle.Tensors.Blocks;

// Fixed-size byte runs inside the K-quant block structs. Named with a Qk prefix so they cannot clash with other
// block families' buffers in the same namespace.

[InlineArray(4)] public struct QkBytes4 { private byte _e; }
[InlineArray(12)] public struct QkBytes12 { private byte _e; }
[InlineArray(16)] public struct QkBytes16 { private byte _e; }
[InlineArray(32)] public struct QkBytes32 { private byte _e; }
[InlineArray(64)] public struct QkBytes64 { private byte _e; }
[InlineArray(128)] public struct QkBytes128 { private byte _e; }
[InlineArray(16)] public struct QkSBytes16 { private sbyte _e; }
[InlineArray(256)] public struct QkSBytes256 { private sbyte _e; }
[InlineArray(16)] public struct QkShorts16 { private short _e; }
