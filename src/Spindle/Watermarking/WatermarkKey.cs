using System.Text;

namespace Spindle.Watermarking;

/// <summary>
/// The secret a watermark is keyed with: 64 bits. Whoever holds it can embed and detect the watermark; without it the
/// green lists, g-values and message orderings look random. <see cref="FromString"/> derives it from a passphrase:
/// FNV-1a (64-bit) over the string's UTF-8 bytes, then SplitMix64's finalizer, so the key is fixed by the text alone
/// (the same on every machine and run). A passphrase carries only as much secrecy as its entropy, at most 64 bits.
/// </summary>
public readonly record struct WatermarkKey(ulong Value)
{
    /// <summary>The key of a passphrase: SplitMix64-finalize(FNV-1a-64(UTF-8 bytes of <paramref name="passphrase"/>)).</summary>
    public static WatermarkKey FromString(string passphrase)
    {
        ArgumentNullException.ThrowIfNull(passphrase);
        int byteCount = Encoding.UTF8.GetByteCount(passphrase);
        Span<byte> bytes = byteCount <= 512 ? stackalloc byte[byteCount] : new byte[byteCount];
        Encoding.UTF8.GetBytes(passphrase, bytes);
        return new WatermarkKey(KeyedHash.Mix(KeyedHash.Fnv1a(bytes)));
    }

    public static WatermarkKey FromUInt64(ulong value) => new(value);

    public override string ToString() => $"WatermarkKey({Value:X16})";
}
