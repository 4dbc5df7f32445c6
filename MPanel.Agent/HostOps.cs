using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace MPanel.Agent;

public sealed record ProcessResult(int ExitCode, string Output, string Error)
{
    public bool Ok => ExitCode == 0;
    public string Combined => (Output + "\n" + Error).Trim();
}

/// <summary>Starts programs with an argument list, never through a shell.</summary>
public sealed class ProcessRunner(ILogger<ProcessRunner> logger)
{
    public async Task<ProcessResult> RunAsync(string file, IEnumerable<string> args, CancellationToken ct = default, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["LC_ALL"] = "C";
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {file}.");
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout ?? TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(limit.Token);
        var stderr = process.StandardError.ReadToEndAsync(limit.Token);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            throw;
        }
        var result = new ProcessResult(process.ExitCode, await stdout, await stderr);
        logger.LogDebug("{File} {Args} -> {Exit}", file, string.Join(' ', psi.ArgumentList), result.ExitCode);
        return result;
    }
}

/// <summary>Small POSIX calls .NET lacks.</summary>
public static partial class Posix
{
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lchown(string path, int owner, int group);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

    public const int SigHup = 1;
    public const int SigUsr2 = 12;

    /// <summary>Changes owner without following a final symbolic link.</summary>
    public static void Chown(string path, int uid, int gid)
    {
        if (lchown(path, uid, gid) != 0)
            throw new IOException($"chown {path} failed (errno {Marshal.GetLastPInvokeError()}).");
    }

    public static bool Signal(int pid, int sig) => kill(pid, sig) == 0;

    public static bool IsAlive(int pid) => pid > 0 && kill(pid, 0) == 0;

    public static int? ReadPid(string pidFile)
    {
        try
        {
            return int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid) && IsAlive(pid) ? pid : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    public static bool IsSymlink(string path) => new FileInfo(path).LinkTarget is not null;
}

/// <summary>Config writes that are all-or-nothing: each file is written to a temporary file in its directory, flushed to
/// disk and renamed over the old one; the previous contents are kept so the whole set can be put back.</summary>
public sealed class FileTransaction
{
    private readonly List<(string Path, byte[]? Previous, UnixFileMode Mode)> _undo = [];
    public bool Changed { get; private set; }

    /// <summary>Writes the file if its content differs; returns whether it changed.</summary>
    public bool Write(string path, string content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        byte[]? previous = File.Exists(path) ? File.ReadAllBytes(path) : null;
        if (previous is not null && previous.AsSpan().SequenceEqual(bytes)) return false;
        _undo.Add((path, previous, previous is null ? mode : File.GetUnixFileMode(path)));
        AtomicWrite(path, bytes, mode);
        Changed = true;
        return true;
    }

    public bool Delete(string path)
    {
        if (!File.Exists(path)) return false;
        _undo.Add((path, File.ReadAllBytes(path), File.GetUnixFileMode(path)));
        File.Delete(path);
        Changed = true;
        return true;
    }

    public void Rollback()
    {
        for (var i = _undo.Count - 1; i >= 0; i--)
        {
            var (path, previous, mode) = _undo[i];
            if (previous is null) File.Delete(path);
            else AtomicWrite(path, previous, mode);
        }
        _undo.Clear();
    }

    public static void AtomicWrite(string path, byte[] bytes, UnixFileMode mode)
    {
        var dir = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, new FileStreamOptions
                   {
                       Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode,
                   }))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.SetUnixFileMode(temp, mode);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
