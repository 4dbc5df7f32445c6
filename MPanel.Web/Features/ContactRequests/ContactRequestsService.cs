using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Marketing;
using MPanel.Domain.Tenants;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Common;
using MPanel.Web.Features.Emails;

namespace MPanel.Web.Features.ContactRequests;

/// <summary>What the contact form posts. <c>website</c> is a honeypot: people leave it empty (it is hidden on the form),
/// bots fill it in; a filled one is answered like any other and stored nowhere.</summary>
public sealed record ContactForm(string? Name, string? Email, string? Subject, string? Message, string? Website = null);

public sealed record ContactReceipt(bool Received, Guid? Id);

public sealed record ContactRequestRow(Guid Id, string Name, string Email, string Subject, string Message, string? IpAddress, string? EmailedTo,
    DateTimeOffset CreatedAt);

/// <summary>The public contact form: stores each message for the shop whose host it was posted to and mails it to the
/// shop's support address (through the email queue); lists them for support staff.</summary>
public sealed class ContactRequestsService(IServiceScopeFactory scopes, TenantScopeFactory tenantScopes, TimeProvider clock,
    Hangfire.IBackgroundJobClient jobs)
{
    public async Task<ContactReceipt> SubmitAsync(string host, string? ipAddress, string? userAgent, ContactForm form, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(form.Website)) return new ContactReceipt(true, null); // honeypot: looks accepted, nothing kept
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MPanelDbContext>();
        var tenant = await ResolveTenantAsync(db, host, ct);
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(tenant.Id, "public-contact-form");
        var support = tenant.Branding.SupportEmail;
        var request = ContactRequest.Submit(tenant.Id, form.Name, form.Email, form.Subject, form.Message, ipAddress, userAgent, support, clock.GetUtcNow());
        db.ContactRequests.Add(request);
        if (support is not null)
            await scope.ServiceProvider.GetRequiredService<EmailQueue>().QueueAsync(new TenantScope(scope), support, EmailTemplates.ContactRequest,
                request.Id, $"contact:{request.Id:N}", ct);
        await db.SaveChangesAsync(ct);
        if (support is not null) EmailDispatchJob.Trigger(jobs);
        return new ContactReceipt(true, request.Id);
    }

    /// <summary>The shop a public request is for: the active tenant whose slug is the host's first label
    /// (<c>acme.example.com</c> → <c>acme</c>), else the platform tenant. Tenants' own host names arrive with branded portals.</summary>
    public static async Task<Tenant> ResolveTenantAsync(MPanelDbContext db, string host, CancellationToken ct)
    {
        var label = host.Split(':')[0].Split('.')[0].Trim().ToLowerInvariant();
        var bySlug = label.Length is > 0 and <= 40
            ? await db.Tenants.AsNoTracking().FirstOrDefaultAsync(t => t.Slug == label && t.Status == TenantStatus.Active, ct)
            : null;
        return bySlug ?? await db.Tenants.AsNoTracking().OrderBy(t => t.CreatedAt).FirstAsync(t => t.Kind == TenantKind.Platform, ct);
    }

    public async Task<Paged<ContactRequestRow>> ListAsync(PageQuery page, CancellationToken ct = default)
    {
        await using var scope = tenantScopes.Create();
        var query = scope.Db.ContactRequests.AsNoTracking();
        if (page.SearchTerm is { } term)
        {
            var like = PagingExtensions.LikePattern(term);
            query = query.Where(c => EF.Functions.ILike(c.Name, like) || EF.Functions.ILike(c.Email, like) || EF.Functions.ILike(c.Subject, like));
        }
        var total = await query.CountAsync(ct);
        var items = await query.OrderByDescending(c => c.CreatedAt).Page(page)
            .Select(c => new ContactRequestRow(c.Id, c.Name, c.Email, c.Subject, c.Message, c.IpAddress, c.EmailedTo, c.CreatedAt))
            .ToListAsync(ct);
        return new Paged<ContactRequestRow>(items, total);
    }
}
