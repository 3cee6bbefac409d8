using System;
using System.Collections.Concurrent;
using System.Threading;

namespace Contracts.Ai;

/// <summary>
/// A bounded map from a 128-bit content hash to what was computed from that content (token counts,
/// screening results), so equal content is not processed again. Safe under concurrency.
/// </summary>
/// <remarks>
/// Two generations of at most <c>generationCapacity</c> entries each: a hit in the older generation
/// is copied into the current one, and when the current one is full the older one is dropped whole,
/// so memory stays within two generations without tracking recency per entry.
/// </remarks>
/// <typeparam name="TValue">What is remembered per content hash.</typeparam>
internal sealed class ContentHashCache<TValue>
{
    private readonly object _rotateGate = new();
    private readonly int _generationCapacity;
    private ConcurrentDictionary<UInt128, TValue> _current = new();
    private ConcurrentDictionary<UInt128, TValue> _previous = new();
    private int _currentCount;

    /// <summary>Initializes a new instance of the <see cref="ContentHashCache{TValue}"/> class.</summary>
    /// <param name="generationCapacity">How many entries one generation holds; two generations are kept.</param>
    public ContentHashCache(int generationCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(generationCapacity, 1);
        _generationCapacity = generationCapacity;
    }

    /// <summary>Gets how many entries are stored (for tests).</summary>
    public int Count => Volatile.Read(ref _current).Count + Volatile.Read(ref _previous).Count;

    public bool TryGet(UInt128 key, out TValue value)
    {
        if (Volatile.Read(ref _current).TryGetValue(key, out value!))
        {
            return true;
        }

        if (Volatile.Read(ref _previous).TryGetValue(key, out value!))
        {
            Store(key, value);
            return true;
        }

        return false;
    }

    public void Store(UInt128 key, TValue value)
    {
        if (Volatile.Read(ref _current).TryAdd(key, value) && Interlocked.Increment(ref _currentCount) >= _generationCapacity)
        {
            lock (_rotateGate)
            {
                if (Volatile.Read(ref _currentCount) >= _generationCapacity)
                {
                    Volatile.Write(ref _previous, _current);
                    Volatile.Write(ref _current, new ConcurrentDictionary<UInt128, TValue>());
                    Volatile.Write(ref _currentCount, 0);
                }
            }
        }
    }
}
