using System;
using System.Buffers;
using System.IO;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace Contracts.Ai;

/// <summary>
/// Writes each <see cref="DecisionRecord"/> as one JSON line to a file, rotating it by size:
/// <c>decisions.jsonl</c> becomes <c>decisions.1.jsonl</c>, that one <c>decisions.2.jsonl</c>, and so
/// on up to <see cref="AuditFileOptions.MaxRetainedFiles"/>.
/// </summary>
/// <remarks>
/// Never blocks or fails the governed call (see <see cref="QueuedAuditSink"/>). When the file cannot
/// be opened or written (read-only folder, full disk), the records are counted as failed and the
/// sink tries again with the next record.
/// </remarks>
internal sealed class JsonLinesFileAuditSink : QueuedAuditSink
{
    internal const string SinkName = "file";

    private readonly string _path;
    private readonly AuditFileOptions _options;
    private readonly ArrayBufferWriter<byte> _line = new(1024);
    private readonly Utf8JsonWriter _json;
    private FileStream? _file;
    private long _size;
    private int _unflushed;

    public JsonLinesFileAuditSink(string path, AuditFileOptions options, ILogger logger)
        : base(SinkName, options.Capacity, logger)
    {
        _path = Path.GetFullPath(path);
        _options = options;
        _json = new Utf8JsonWriter(_line);
    }

    protected override async ValueTask WriteRecordAsync(DecisionRecord record)
    {
        _line.ResetWrittenCount();
        _json.Reset(_line);
        JsonSerializer.Serialize(_json, record, AuditJsonContext.Default.DecisionRecord);
        _json.Flush();
        _line.Write("\n"u8);

        FileStream file = _file ?? Open();
        if (file.CanSeek && _size > 0 && _size + _line.WrittenCount > _options.MaxFileSizeBytes)
        {
            await CloseAsync().ConfigureAwait(false);
            Rotate();
            file = Open();
        }

        try
        {
            await file.WriteAsync(_line.WrittenMemory).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The stream may hold a partial line: drop it, and count what it buffered as lost along with this record.
            int lost = _unflushed;
            _unflushed = 0;
            await AbandonAsync().ConfigureAwait(false);
            if (lost > 0)
            {
                RecordLost(lost, ex);
            }

            throw;
        }

        _size += _line.WrittenCount;
        _unflushed++;
    }

    protected override async ValueTask FlushBufferedAsync()
    {
        if (_file is null || _unflushed == 0)
        {
            return;
        }

        int pending = _unflushed;
        _unflushed = 0;
        try
        {
            await _file.FlushAsync().ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            await AbandonAsync().ConfigureAwait(false);
            RecordLost(pending, ex);
        }
    }

    protected override async ValueTask ReleaseOutputAsync()
    {
        await CloseAsync().ConfigureAwait(false);
        await _json.DisposeAsync().ConfigureAwait(false);
    }

    private FileStream Open()
    {
        string? folder = Path.GetDirectoryName(_path);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        var file = new FileStream(_path, new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.Write,
            Share = FileShare.Read,
            Options = FileOptions.Asynchronous,
            BufferSize = 64 * 1024,
        });
        _size = file.CanSeek ? file.Seek(0, SeekOrigin.End) : 0;
        _file = file;
        return file;
    }

    private async ValueTask CloseAsync()
    {
        if (_file is not null)
        {
            FileStream file = _file;
            _file = null;
            await file.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask AbandonAsync()
    {
        try
        {
            await CloseAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // Disposing flushes the same buffered bytes that just failed; they are already counted as lost.
        }
    }

    private void Rotate()
    {
        string folder = Path.GetDirectoryName(_path) ?? string.Empty;
        string name = Path.GetFileNameWithoutExtension(_path);
        string extension = Path.GetExtension(_path);
        string Numbered(int n) => Path.Combine(folder, $"{name}.{n}{extension}");

        File.Delete(Numbered(_options.MaxRetainedFiles));
        for (int n = _options.MaxRetainedFiles - 1; n >= 1; n--)
        {
            if (File.Exists(Numbered(n)))
            {
                File.Move(Numbered(n), Numbered(n + 1), overwrite: true);
            }
        }

        File.Move(_path, Numbered(1), overwrite: true);
        _size = 0;
    }
}
