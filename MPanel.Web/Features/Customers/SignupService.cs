using MPanel.Domain.Customers;
using MPanel.Domain.Security;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Features.Users;

namespace MPanel.Web.Features.Customers;

public sealed record SignupResult(Guid CustomerId, Guid UserId, string Email);

/// <summary>A new customer who signs themselves up (the marketing website): the customer record, where they came from
/// (<see cref="CustomerAcquisition"/>) and a Client login linked to the customer, written in one transaction; then the
/// welcome mail with the set-password link (valid 24 hours) goes out, as for any invited user.</summary>
public sealed class SignupService(TenantScopeFactory scopes, CustomersService customers, UsersService users, TimeProvider clock)
{
    public async Task<SignupResult> SignUpAsync(CustomerDetails details, AcquisitionDetails acquisition, string channel, string baseUri,
        CancellationToken ct = default)
    {
        // Every field is checked before anything is written.
        var clean = details.Validated();
        var utm = acquisition.Validated();
        await using var scope = scopes.Create();
        var tenantId = scope.Tenant.TenantId ?? throw new InvalidOperationException("A signup needs a tenant.");
        await using var transaction = await scope.Db.Database.BeginTransactionAsync(ct);
        var customer = await customers.AddInScopeAsync(scope, clean, ct);
        scope.Db.CustomerAcquisitions.Add(CustomerAcquisition.Record(tenantId, customer.Id, channel, utm, clock.GetUtcNow()));
        await scope.Db.SaveChangesAsync(ct);
        var name = $"{customer.FirstName} {customer.LastName}";
        var user = await users.AddInvitedInScopeAsync(scope, customer.Email, name.Length > 200 ? name[..200] : name, Roles.Client, customer.Id, ct);
        await transaction.CommitAsync(ct);
        await users.SendInvitationAsync(scope, user, Roles.Client, baseUri, ct);
        return new SignupResult(customer.Id, user.Id, customer.Email);
    }
}
