using System.Text;

namespace Simulator.Cli.Output;

/// <summary>
/// Files the CLI writes (charts, per-request CSVs, calibrations, reports, specs). Each is written to a temporary file
/// beside its destination and moved into place only when complete, so a failure (bad input found late, a full disk,
/// an internal error) never leaves a half-written file; every I/O problem becomes a message with exit code 2.
/// </summary>
public static class OutputFile
{
    /// <summary>
    /// Device files (/dev/stdout, /dev/null, /dev/full) cannot be replaced by moving a file over them: they are written
    /// directly, and an error while writing still ends the run with exit code 2.
    /// </summary>
    public static bool IsDevice(string path)
    {
        string full = Path.GetFullPath(path);
        return full.StartsWith("/dev/", StringComparison.Ordinal) || full.StartsWith("/proc/", StringComparison.Ordinal);
    }

    /// <summary>Checks, before any work, that <paramref name="path"/> can be written: its folder exists and takes a file.</summary>
    public static void CheckWritable(string path, string option)
    {
        if (IsDevice(path))
        {
            if (!File.Exists(path)) throw new CliException($"{option}: device '{path}' does not exist");
            return;
        }
        string full;
        try { full = Path.GetFullPath(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException) { throw new CliException($"{option}: '{path}' is not a valid file name: {e.Message}"); }
        if (Directory.Exists(full)) throw new CliException($"{option}: '{path}' is a folder; give a file name");
        string dir = Path.GetDirectoryName(full) ?? ".";
        if (!Directory.Exists(dir)) throw new CliException($"{option}: folder '{dir}' does not exist");
        string probe = Path.Combine(dir, $".llmsim-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (File.Create(probe)) { }
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"{option}: cannot write in '{dir}': {e.Message}");
        }
    }

    /// <summary>Writes a whole text file atomically (UTF-8 without BOM).</summary>
    public static void WriteAllText(string path, string text, string option)
    {
        using var w = Open(path, option);
        w.Writer.Write(text);
        w.Commit();
    }

    /// <summary>Opens a file for streaming; nothing appears at <paramref name="path"/> until <see cref="AtomicFile.Commit"/>.</summary>
    public static AtomicFile Open(string path, string option)
    {
        CheckWritable(path, option);
        return new AtomicFile(path, option);
    }

    /// <summary>Runs <paramref name="write"/> on a temporary path with the same extension, then moves it into place.</summary>
    public static void WriteVia(string path, string option, Action<string> write)
    {
        CheckWritable(path, option);
        string full = Path.GetFullPath(path);
        if (IsDevice(path))
        {
            try { write(full); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new CliException($"{option}: cannot write '{path}': {e.Message}"); }
            return;
        }
        string temp = TempPath(full);
        try
        {
            write(temp);
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new CliException($"{option}: cannot write '{path}': {e.Message}");
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    internal static string TempPath(string full) =>
        Path.Combine(Path.GetDirectoryName(full) ?? ".", $".{Path.GetFileNameWithoutExtension(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp{Path.GetExtension(full)}");

    internal static void TryDelete(string path)
    {
        try { if (File.Exists(path)) File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}

/// <summary>A file being written to a temporary path; <see cref="Commit"/> moves it into place, disposing without committing deletes it.</summary>
public sealed class AtomicFile : IDisposable
{
    private readonly string _final, _temp, _option;
    private readonly bool _direct;
    private bool _done;

    internal AtomicFile(string path, string option)
    {
        _final = Path.GetFullPath(path);
        _direct = OutputFile.IsDevice(path);
        _temp = _direct ? _final : OutputFile.TempPath(_final);
        _option = option;
        try { Writer = new StreamWriter(_temp, false, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" }; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new CliException($"{option}: cannot write '{path}': {e.Message}"); }
    }

    /// <summary>The writer; an I/O failure while writing surfaces through <see cref="Fail"/> as exit code 2.</summary>
    public StreamWriter Writer { get; }

    /// <summary>The message for an I/O failure while writing this file (a full disk).</summary>
    public CliException Fail(Exception e) => new($"{_option}: cannot write '{_final}': {e.Message}");

    /// <summary>Flushes, closes and moves the file into place.</summary>
    public void Commit()
    {
        try
        {
            Writer.Flush();
            Writer.Dispose();
            if (!_direct) File.Move(_temp, _final, overwrite: true);
            _done = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Fail(e);
        }
    }

    public void Dispose()
    {
        if (_done) return;
        try { Writer.Dispose(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        if (!_direct) OutputFile.TryDelete(_temp);
        _done = true;
    }
}
