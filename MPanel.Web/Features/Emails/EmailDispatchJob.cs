using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MPanel.Domain.Billing;
using MPanel.Domain.Common;
using MPanel.Infrastructure.Mail;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;

namespace MPanel.Web.Features.Emails;

/// <summary>Renders and sends queued emails in small batches (rows claimed with SKIP LOCKED, so several servers can run
/// it), retrying failures with backoff. With no SMTP server configured the message stays in the log marked not sent.</summary>
public sealed class EmailDispatchJob(IServiceScopeFactory scopes, Npgsql.NpgsqlDataSource source, IMailer mailer, IOptions<MailOptions> mail,
    TimeProvider clock, ILogger<EmailDispatchJob> logger)
{
    public const string RecurringId = "email:dispatch";

    public static void Trigger(IBackgroundJobClient jobs) => jobs.Enqueue<EmailDispatchJob>(j => j.RunAsync(CancellationToken.None));

    [Queue("default")]
    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(60)]
    public async Task<int> RunAsync(CancellationToken ct)
    {
        var sent = 0;
        while (!ct.IsCancellationRequested)
        {
            var batch = await ClaimAsync(ct);
            if (batch.Count == 0) break;
            foreach (var (id, tenantId) in batch) sent += await SendOneAsync(id, tenantId, ct) ? 1 : 0;
        }
        return sent;
    }

    private async Task<List<(Guid Id, Guid TenantId)>> ClaimAsync(CancellationToken ct)
    {
        await using var cmd = source.CreateCommand(
            "SELECT id, tenant_id FROM email_messages WHERE status = 'Queued' AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT 50");
        cmd.Parameters.AddWithValue(clock.GetUtcNow());
        var rows = new List<(Guid, Guid)>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) rows.Add((reader.GetGuid(0), reader.GetGuid(1)));
        return rows;
    }

    private async Task<bool> SendOneAsync(Guid id, Guid tenantId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(tenantId, "email-dispatch");
        var db = scope.ServiceProvider.GetRequiredService<MPanelDbContext>();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // Claim the row; a second dispatcher skips it.
        var claimed = await db.Database.SqlQuery<Guid>($"SELECT id AS \"Value\" FROM email_messages WHERE id = {id} AND status = 'Queued' FOR UPDATE SKIP LOCKED").ToListAsync(ct);
        if (claimed.Count == 0) return false;
        var message = await db.EmailMessages.FirstAsync(e => e.Id == id, ct);
        var now = clock.GetUtcNow();
        try
        {
            var composer = scope.ServiceProvider.GetRequiredService<EmailComposer>();
            var (subject, html, text) = await composer.ComposeAsync(db, message, ct);
            message.Rendered(subject, html, text);
            if (string.IsNullOrWhiteSpace(mail.Value.SmtpHost))
                message.MarkNotSent("No SMTP server is configured; the message is kept here and was not sent.");
            else
            {
                await mailer.SendAsync(new MailMessage(message.To, subject, text, html), ct);
                message.MarkSent(clock.GetUtcNow());
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Email {EmailId} ({Template}) failed", id, message.Template);
            message.MarkAttemptFailed(ex.Message, now);
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return message.Status == EmailStatus.Sent;
    }
}
