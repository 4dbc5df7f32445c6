using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Common;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Features.Customers;

namespace MPanel.Web.Features.ClientArea;

/// <summary>The client area: what a signed-in client (role Client) may see about themselves.</summary>
public sealed class ClientAreaService(TenantScopeFactory scopes, CurrentTenant current, CustomersService customers)
{
    /// <summary>The customer record the signed-in user is linked to, or null when there is none. Staff notes are internal
    /// and never leave through here.</summary>
    public async Task<CustomerView?> GetMyCustomerAsync(CancellationToken ct = default)
    {
        if (current.Actor.UserId is not { } userId) return null;
        Guid? customerId;
        await using (var scope = scopes.Create())
        {
            customerId = await scope.Db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.CustomerId).FirstOrDefaultAsync(ct);
        }
        if (customerId is not { } id) return null;
        try
        {
            var customer = await customers.GetAsync(id, ct);
            return customer with { Notes = [] };
        }
        catch (DomainException ex) when (ex.Error is NotFoundError)
        {
            return null;
        }
    }
}
