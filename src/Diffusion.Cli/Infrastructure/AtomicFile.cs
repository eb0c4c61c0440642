namespace Diffusion.Cli.Infrastructure;

/// <summary>
/// Writes a file so that a reader never sees it half-written: the bytes go to a temporary file in the same folder,
/// flushed to disk, which is then renamed over the destination; on any failure the temporary file is deleted and
/// nothing is left. <see cref="AtomicFileSet"/> does the same for several files at once.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Writes the bytes to <paramref name="path"/> atomically, creating its folder if needed.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        using var set = new AtomicFileSet();
        set.Add(path, bytes);
        set.Commit();
    }

    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/> atomically, creating its folder if needed.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        using var set = new AtomicFileSet();
        set.Add(path, write);
        set.Commit();
    }
}

/// <summary>
/// Several files written all or nothing: each is staged under a short temporary name in its final folder (flushed to
/// disk, with the mode of the file it replaces), and only when every one is staged are they renamed into place. If
/// anything fails before <see cref="Commit"/>, disposing removes every staged file and every folder the set created,
/// so a failure (a full disk, a name that is a folder) leaves the destination as it was. Two files of the set with one
/// name are refused before anything is written.
/// </summary>
internal sealed class AtomicFileSet : IDisposable
{
    private readonly List<(string Temporary, string Final, string Shown)> _staged = [];
    private readonly List<string> _createdFolders = [];
    private readonly HashSet<string> _finals = new(StringComparer.Ordinal);
    private bool _committed;

    /// <summary>
    /// Refuses a set whose files would overwrite each other or land on a folder, before any work: each path is named
    /// with the option that gave it (e.g. "--out r.npy").
    /// </summary>
    public static void RequireDistinctFiles(IEnumerable<(string Path, string Option)> outputs)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (path, option) in outputs)
        {
            if (string.IsNullOrWhiteSpace(path))
                throw new UsageException($"{option} is empty; give a file or folder name.");
            string full = Path.GetFullPath(path);
            if (Directory.Exists(full))
                throw new UsageException($"{option} {path} is a folder; give a file name.");
            if (seen.TryGetValue(full, out string? other))
                throw new UsageException($"{option} {path} is the same file as {other}: one output would overwrite the other.");
            seen[full] = $"{option} {path}";
        }
    }

    /// <summary>Stages <paramref name="bytes"/> for <paramref name="path"/>.</summary>
    public void Add(string path, ReadOnlySpan<byte> bytes)
    {
        byte[] copy = bytes.ToArray();
        Add(path, stream => stream.Write(copy));
    }

    /// <summary>Stages the file <paramref name="path"/>, written by <paramref name="write"/>.</summary>
    public void Add(string path, Action<Stream> write)
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        string final = Path.GetFullPath(path);
        if (!_finals.Add(final))
            throw new UsageException($"{path} is written twice by one command: one output would overwrite the other.");
        if (Directory.Exists(final))
            throw new IOException($"cannot write {path}: it is a folder.");
        string folder = Path.GetDirectoryName(final) ?? ".";
        CreateFolder(folder, path);
        // A short name whatever the final one's length: a 255-byte file name must still have room for its temporary.
        string temporary = Path.Combine(folder, $".diffusion-{Guid.NewGuid():N}"[..20] + ".tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true); // on disk before the rename: a power cut cannot leave an empty file under the final name
            }
            if (!OperatingSystem.IsWindows() && File.Exists(final))
                File.SetUnixFileMode(temporary, File.GetUnixFileMode(final)); // replacing a file keeps its permissions
            _staged.Add((temporary, final, path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            throw new IOException($"cannot write {path}: {Reason(e, temporary, path)}", e);
        }
    }

    /// <summary>Renames every staged file into place, in the order they were added.</summary>
    public void Commit()
    {
        foreach (var (temporary, final, shown) in _staged)
        {
            try
            {
                File.Move(temporary, final, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"cannot write {shown}: {Reason(e, temporary, shown)}", e);
            }
        }
        _committed = true;
    }

    /// <summary>Without a commit: removes every staged file and the folders the set created.</summary>
    public void Dispose()
    {
        if (_committed) return;
        foreach (var (temporary, _, _) in _staged) TryDelete(temporary);
        for (int i = _createdFolders.Count - 1; i >= 0; i--)
        {
            try
            {
                if (!Directory.EnumerateFileSystemEntries(_createdFolders[i]).Any()) Directory.Delete(_createdFolders[i]);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Best effort: a folder that cannot be listed or removed is left, empty.
            }
        }
        _committed = true;
    }

    private void CreateFolder(string folder, string path)
    {
        var missing = new Stack<string>();
        for (string? f = folder; f is not null && !Directory.Exists(f); f = Path.GetDirectoryName(f))
        {
            if (File.Exists(f)) throw new IOException($"cannot write {path}: {f} is a file, not a folder.");
            missing.Push(f);
        }
        try
        {
            foreach (string f in missing)
            {
                Directory.CreateDirectory(f);
                _createdFolders.Add(f);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot write {path}: its folder cannot be created ({e.Message})", e);
        }
    }

    // .NET's message names the temporary file; the user knows only the final one.
    private static string Reason(Exception e, string temporary, string shown) =>
        e.Message.Replace(temporary, shown, StringComparison.Ordinal);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the original failure is the one to report.
        }
    }
}
