using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Diffusion.Functional.Data.Mnist;

/// <summary>
/// Opens a file for reading only if it is a regular file. A FIFO blocks open(2) until a writer comes, and a device or
/// socket is no data set, so on Unix the file is opened with O_NONBLOCK (which cannot block, and does nothing to a
/// regular file's reads) and its type is taken from fstat on that very handle, so no other file can be swapped in
/// between the check and the read.
/// </summary>
internal static class RegularFile
{
    /// <summary>Opens <paramref name="path"/> for reading; throws <see cref="InvalidDataException"/> naming it unless it is a regular file.</summary>
    public static FileStream OpenRead(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (OperatingSystem.IsWindows())
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        if (Directory.Exists(path))
            throw new InvalidDataException($"{path} is a folder, not a data file.");

        int flags = OperatingSystem.IsLinux() ? LinuxReadOnlyNonBlocking : BsdReadOnlyNonBlocking;
        int descriptor = Open(path, flags);
        if (descriptor < 0)
        {
            int error = Marshal.GetLastPInvokeError();
            // Let .NET say what is wrong (not found, permission denied) in its usual words and exception types.
            if (!File.Exists(path)) throw new FileNotFoundException($"Could not find the file {path}.", path);
            throw new IOException($"{path} cannot be opened: {Marshal.GetPInvokeErrorMessage(error)}.");
        }
        var handle = new SafeFileHandle(descriptor, ownsHandle: true);
        try
        {
            string? kind = NonRegularKind(handle);
            if (kind is not null)
                throw new InvalidDataException($"{path} is {kind}, not a regular file; only regular files are read as data.");
            return new FileStream(handle, FileAccess.Read, bufferSize: 1 << 16);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    // O_RDONLY | O_NONBLOCK | O_CLOEXEC: Linux 0 | 0x800 | 0x80000; macOS and the BSDs 0 | 0x4 | 0x1000000.
    private const int LinuxReadOnlyNonBlocking = 0x800 | 0x80000;
    private const int BsdReadOnlyNonBlocking = 0x4 | 0x1000000;

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    // .NET's own native shim (System.Native, which FileStream itself calls) fills a FileStatus whose second int32 is
    // the mode with the portable S_IF* type bits, the same on every Unix.
    [DllImport("libSystem.Native", EntryPoint = "SystemNative_FStat", SetLastError = true)]
    private static extern int FStat(SafeFileHandle handle, [Out] byte[] status);

    private const int TypeMask = 0xF000, Fifo = 0x1000, CharacterDevice = 0x2000, Folder = 0x4000, BlockDevice = 0x6000, Regular = 0x8000, Socket = 0xC000;

    private static string? NonRegularKind(SafeFileHandle handle)
    {
        var status = new byte[512]; // FileStatus is about 130 bytes; room to spare
        if (FStat(handle, status) != 0)
            throw new IOException($"The file's type cannot be read: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}.");
        int type = BitConverter.ToInt32(status, 4) & TypeMask;
        return type switch
        {
            Regular => null,
            Fifo => "a FIFO (named pipe)",
            CharacterDevice => "a character device",
            BlockDevice => "a block device",
            Socket => "a socket",
            Folder => "a folder",
            _ => $"a special file (type 0x{type:X4})",
        };
    }
}
