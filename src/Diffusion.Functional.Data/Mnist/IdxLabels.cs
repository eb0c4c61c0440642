namespace Diffusion.Functional.Data.Mnist;

/// <summary>The content of an IDX label file: one unsigned byte per image. Immutable.</summary>
public sealed record IdxLabels
{
    private readonly byte[] _values;

    /// <summary>The number of labels, ≥ 1.</summary>
    public int Count => _values.Length;

    /// <summary>The labels in file order.</summary>
    public ReadOnlySpan<byte> Values => _values;

    /// <summary>Labels from a copy of <paramref name="values"/> (at least one).</summary>
    public static IdxLabels FromBytes(ReadOnlySpan<byte> values)
    {
        if (values.IsEmpty) throw new ArgumentException("values is empty; a label file holds at least one label.", nameof(values));
        return new IdxLabels(values.ToArray());
    }

    // Takes ownership of an array that nobody else holds (the reader's).
    internal IdxLabels(byte[] values) => _values = values;

    /// <summary>The same labels in the same order.</summary>
    public bool Equals(IdxLabels? other) => other is not null && Values.SequenceEqual(other.Values);

    /// <inheritdoc />
    public override int GetHashCode() => Count;

    /// <inheritdoc />
    public override string ToString() => $"IdxLabels {Count}";
}
