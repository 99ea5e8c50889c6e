namespace Spindle.Cli.Commands.BenchServe;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood 2014): a few lines of arithmetic whose output is fixed forever, unlike
/// <see cref="Random"/>, whose seeded sequence .NET documents as free to change between versions. The prompts a seed
/// names must stay the same so runs on different builds compare like with like.
/// </summary>
internal struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A value in [0, <paramref name="count"/>); the modulo bias is far below anything a word choice notices.</summary>
    public int NextBelow(int count) => (int)(Next() % (ulong)count);

    /// <summary>An independent stream for one (seed, purpose, index): each prompt part can be made alone, in any order.</summary>
    public static SplitMix64 For(int seed, int purpose, int index)
    {
        var mix = new SplitMix64(((ulong)(uint)seed << 32) | (uint)purpose);
        ulong first = mix.Next();
        return new SplitMix64(first ^ ((ulong)(uint)index * 0xD6E8FEB86659FD93UL));
    }
}
