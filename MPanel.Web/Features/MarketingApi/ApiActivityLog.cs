using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Marketing;
using MPanel.Infrastructure.Persistence;
using Npgsql;

namespace MPanel.Web.Features.MarketingApi;

/// <summary>The marketing API's activity log, written off the request path: calls are queued in memory and a background
/// writer copies them into <c>api_activity</c> in batches (binary COPY). A full queue (the database is down for long)
/// drops rows and says so in the log rather than slowing the API.</summary>
public sealed class ApiActivityLog(IServiceScopeFactory scopes, ILogger<ApiActivityLog> logger) : BackgroundService
{
    private const int BatchSize = 1000;
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(200);
    private readonly Channel<ApiActivity> _queue = Channel.CreateBounded<ApiActivity>(new BoundedChannelOptions(20_000)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });
    private long _dropped;

    public void Record(ApiActivity activity)
    {
        if (!_queue.Writer.TryWrite(activity) && Interlocked.Increment(ref _dropped) % 1000 == 1)
            logger.LogWarning("The API activity queue is full; {Dropped} rows dropped so far", Interlocked.Read(ref _dropped));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<ApiActivity>(BatchSize);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                // Under load, wait a moment for the batch to fill: one COPY of hundreds of rows instead of one per few
                // calls (each with its own scope and connection). Rows still reach the table within about Linger.
                await Task.Delay(Linger, stoppingToken);
                while (_queue.Reader.TryRead(out var row))
                {
                    batch.Add(row);
                    if (batch.Count == BatchSize) await WriteAsync(batch, CancellationToken.None);
                }
                // Written without the stopping token: a batch taken from the queue is never cancelled half-way (it
                // would be lost); shutdown waits for it, then drains the rest below.
                await WriteAsync(batch, CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: write what is queued.
            while (_queue.Reader.TryRead(out var row)) batch.Add(row);
            await WriteAsync(batch, CancellationToken.None);
        }
    }

    private async Task WriteAsync(List<ApiActivity> batch, CancellationToken ct)
    {
        if (batch.Count == 0) return;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MPanelDbContext>();
            await db.Database.OpenConnectionAsync(ct);
            await BulkCopy.WriteAsync(db, (NpgsqlConnection)db.Database.GetDbConnection(), "api_activity", batch, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogError(ex, "Could not write {Count} API activity rows", batch.Count);
        }
        finally
        {
            batch.Clear();
        }
    }
}
