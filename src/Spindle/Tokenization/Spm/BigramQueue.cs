using System.Runtime.CompilerServices;

namespace Spindle.Tokenization.Spm;

/// <summary>A candidate merge of two adjacent symbols into token <see cref="Id"/> (llama.cpp's llm_bigram_spm).</summary>
internal struct Bigram
{
    public float Score;
    public int Left;
    public int Right;
    public int Size; // char length of the merged text; a mismatch later means a side has merged since (stale entry)
    public int Id;
}

/// <summary>
/// Binary max-heap of bigrams in llama.cpp's order: higher score first, then the leftmost pair. Reused between calls,
/// so a steady state allocates nothing.
/// </summary>
internal sealed class BigramQueue
{
    private Bigram[] _heap = new Bigram[256];
    private int _count;

    public int Count => _count;

    public void Clear() => _count = 0;

    public void Push(in Bigram item)
    {
        if (_count == _heap.Length) Array.Resize(ref _heap, _heap.Length * 2);
        Bigram[] heap = _heap;
        int i = _count++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!Before(item, heap[parent])) break;
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = item;
    }

    public Bigram Pop()
    {
        Bigram[] heap = _heap;
        Bigram top = heap[0];
        int count = --_count;
        if (count > 0)
        {
            Bigram last = heap[count];
            int i = 0;
            while (true)
            {
                int child = 2 * i + 1;
                if (child >= count) break;
                if (child + 1 < count && Before(heap[child + 1], heap[child])) child++;
                if (!Before(heap[child], last)) break;
                heap[i] = heap[child];
                i = child;
            }
            heap[i] = last;
        }
        return top;
    }

    // std::priority_queue with llama.cpp's comparator pops the "largest": (score, then smaller left).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Before(in Bigram a, in Bigram b) => a.Score > b.Score || (a.Score == b.Score && a.Left < b.Left);
}
