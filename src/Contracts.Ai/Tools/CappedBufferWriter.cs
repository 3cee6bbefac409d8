using System;
using System.Buffers;

namespace Contracts.Ai;

/// <summary>
/// A growing byte buffer that gives up once what is written passes a cap, so writing a huge value
/// costs memory in proportion to the cap, not to the value.
/// </summary>
/// <remarks>
/// A JSON writer asks for room for the worst case of the next value (up to six bytes per character
/// when it must escape), so a single request is allowed up to <see cref="MaxExpansion"/> times the cap
/// before it counts as too large; what is actually written is held to the cap itself.
/// </remarks>
internal sealed class CappedBufferWriter : IBufferWriter<byte>
{
    internal const int MaxExpansion = 6;

    private const int MinimumSize = 256;

    private readonly int _cap;
    private byte[] _buffer = [];
    private int _written;

    /// <param name="cap">The most bytes that may be written; 0 for no cap.</param>
    public CappedBufferWriter(int cap) => _cap = cap;

    /// <summary>Gets the bytes written, or written and asked for when the cap was passed.</summary>
    public long Requested { get; private set; }

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_written + count > _buffer.Length)
        {
            throw new InvalidOperationException("Cannot advance past the end of the buffer.");
        }

        _written += count;
        Requested = Math.Max(Requested, _written);
        if (_cap > 0 && _written > _cap)
        {
            throw new CapExceededException();
        }
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public byte[] ToArray() => _buffer.AsSpan(0, _written).ToArray();

    private void Ensure(int sizeHint)
    {
        long needed = (long)_written + Math.Max(sizeHint, 1);
        if (_cap > 0 && needed > ((long)_cap * MaxExpansion) + MinimumSize)
        {
            Requested = needed;
            throw new CapExceededException();
        }

        if (needed <= _buffer.Length)
        {
            return;
        }

        long size = Math.Max(needed, Math.Max(MinimumSize, (long)_buffer.Length * 2));
        if (_cap > 0)
        {
            size = Math.Min(size, Math.Max(needed, ((long)_cap * MaxExpansion) + MinimumSize));
        }

        byte[] grown = new byte[checked((int)Math.Min(size, Array.MaxLength))];
        _buffer.AsSpan(0, _written).CopyTo(grown);
        _buffer = grown;
    }

    /// <summary>Thrown from inside a writer when the cap is passed; caught by the reader that set the cap.</summary>
    internal sealed class CapExceededException : Exception
    {
        public CapExceededException()
            : base("The output passed its size cap while being written.")
        {
        }
    }
}
