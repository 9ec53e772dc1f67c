namespace Simulator.Serving;

/// <summary>A double-ended queue on a growable ring buffer (queues that preempted requests re-enter at the front).</summary>
internal sealed class Deque<T>
{
    private T[] _items = new T[16];
    private int _head, _count;

    public int Count => _count;

    public T First => _count > 0 ? _items[_head] : throw new InvalidOperationException("the queue is empty");

    public void AddLast(T item)
    {
        if (_count == _items.Length) Grow();
        _items[(_head + _count) % _items.Length] = item;
        _count++;
    }

    public void AddFirst(T item)
    {
        if (_count == _items.Length) Grow();
        _head = (_head - 1 + _items.Length) % _items.Length;
        _items[_head] = item;
        _count++;
    }

    public T RemoveFirst()
    {
        if (_count == 0) throw new InvalidOperationException("the queue is empty");
        T item = _items[_head];
        _items[_head] = default!;
        _head = (_head + 1) % _items.Length;
        _count--;
        return item;
    }

    private void Grow()
    {
        var bigger = new T[_items.Length * 2];
        for (int i = 0; i < _count; i++) bigger[i] = _items[(_head + i) % _items.Length];
        _items = bigger;
        _head = 0;
    }
}
