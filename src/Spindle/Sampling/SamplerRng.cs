namespace Spindle.Sampling;

/// <summary>
/// A small seeded generator (xoshiro256**, seeded by splitmix64) owned by one request, so the same seed and options
/// give the same tokens on every run and machine, whatever the thread count. Not thread-safe by design.
/// </summary>
public sealed class SamplerRng
{
    private ulong _s0, _s1, _s2, _s3;

    public SamplerRng(ulong seed)
    {
        Seed = seed;
        Reseed(seed);
    }

    public ulong Seed { get; }

    public void Reseed(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public SamplerRng Clone()
    {
        var copy = new SamplerRng(Seed);
        copy._s0 = _s0;
        copy._s1 = _s1;
        copy._s2 = _s2;
        copy._s3 = _s3;
        return copy;
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
