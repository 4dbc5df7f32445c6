using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Common;
using MPanel.Domain.Security;
using MPanel.Domain.Tenants;
using MPanel.Infrastructure.Identity;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Common;
using MPanel.Web.Security;

namespace MPanel.Web.Features.Users;

public sealed record UserRow(Guid Id, string Email, string DisplayName, string? Role, bool IsDisabled, bool IsLockedOut,
    bool EmailConfirmed, bool TwoFactorEnabled, DateTimeOffset CreatedAt, DateTimeOffset? LastSignInAt);

public sealed record InviteUserRequest(string Email, string DisplayName, string Role);
public sealed record ChangeRoleRequest(string Role);

/// <summary>Users of the current tenant: list, invite (email with a set-password link), change role, disable/enable.</summary>
public sealed class UsersService(TenantScopeFactory scopes, CurrentTenant current, SessionRegistry sessions, IMailer mailer, TimeProvider clock)
{
    public async Task<Paged<UserRow>> ListAsync(PageQuery page, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var db = scope.Db;
        var query = db.Users.AsNoTracking();
        if (page.SearchTerm is { } term)
        {
            var like = PagingExtensions.LikePattern(term);
            query = query.Where(u => EF.Functions.ILike(u.Email!, like) || EF.Functions.ILike(u.DisplayName, like));
        }
        var total = await query.CountAsync(ct);
        IOrderedQueryable<ApplicationUser> ordered = (page.Sort?.ToLowerInvariant(), page.Descending) switch
        {
            ("email", false) => query.OrderBy(u => u.Email),
            ("email", true) => query.OrderByDescending(u => u.Email),
            ("displayname", false) => query.OrderBy(u => u.DisplayName),
            ("displayname", true) => query.OrderByDescending(u => u.DisplayName),
            ("lastsigninat", false) => query.OrderBy(u => u.LastSignInAt),
            ("lastsigninat", true) => query.OrderByDescending(u => u.LastSignInAt),
            ("createdat", true) => query.OrderByDescending(u => u.CreatedAt),
            _ => query.OrderBy(u => u.CreatedAt),
        };
        // The id breaks ties, so paging never skips or repeats a row.
        var items = await Rows(db, ordered.ThenBy(u => u.Id).Page(page)).ToListAsync(ct);
        return new Paged<UserRow>(items, total);
    }

    /// <summary>The roles the current user may hand out in the current tenant.</summary>
    public async Task<IReadOnlyList<string>> AssignableRolesAsync(CancellationToken ct = default)
    {
        var role = current.Principal.PrimaryRole();
        if (role is null || current.TenantId is not { } tenantId) return [];
        await using var scope = scopes.Create();
        var kind = await scope.Db.Tenants.Where(t => t.Id == tenantId).Select(t => t.Kind).FirstAsync(ct);
        return Roles.AssignableBy(role, kind == TenantKind.Platform);
    }

    public async Task<UserRow> InviteAsync(InviteUserRequest request, string baseUri, CancellationToken ct = default)
    {
        var email = request.Email?.Trim() ?? "";
        var name = Text.Clean(request.DisplayName);
        var assignable = await AssignableRolesAsync(ct);
        new Validator()
            .Require(Text.IsEmail(email), "email", "Enter a valid email address.")
            .Require(name is { Length: >= 2 and <= 200 }, "displayName", "Name must be 2 to 200 characters.")
            .Require(assignable.Contains(request.Role), "role", "Choose a role you are allowed to assign.")
            .ThrowIfInvalid();
        await using var scope = scopes.Create();
        // The account and its role are one change; the invitation goes out only once both are saved.
        await using var transaction = await scope.Db.Database.BeginTransactionAsync(ct);
        var user = await AddInvitedInScopeAsync(scope, email, name!, request.Role, null, ct);
        await transaction.CommitAsync(ct);
        await SendInvitationAsync(scope, user, request.Role, baseUri, ct);
        return (await FindAsync(scope, user.Id, ct))!;
    }

    /// <summary>A user who has not chosen a password yet, with one role (and, for a client, the customer they sign in
    /// for), added in the caller's unit of work: the caller commits, then sends the invitation.</summary>
    internal async Task<ApplicationUser> AddInvitedInScopeAsync(TenantScope scope, string email, string displayName, string role, Guid? customerId,
        CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var users = scope.Get<UserManager<ApplicationUser>>();
        var user = new ApplicationUser
        {
            TenantId = current.TenantId!.Value, Email = email, UserName = email, DisplayName = displayName, CustomerId = customerId,
            CreatedAt = clock.GetUtcNow(), EmailConfirmed = false,
        };
        IdentityResult created;
        try
        {
            created = await users.CreateAsync(user);
        }
        catch (DbUpdateException ex) when (ex.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
        {
            // Sign-in names are unique across the platform; Identity's own check sees only this tenant's users.
            created = IdentityResult.Failed(new IdentityError { Code = "DuplicateEmail", Description = "A user with this email already exists." });
        }
        if (!created.Succeeded)
        {
            var taken = created.Errors.Any(e => e.Code is "DuplicateEmail" or "DuplicateUserName");
            throw ValidationError.For("email", taken ? "A user with this email already exists." : string.Join(" ", created.Errors.Select(e => e.Description))).ToException();
        }
        await Check(users.AddToRoleAsync(user, role));
        return user;
    }

    /// <summary>Mails the set-password link (valid 24 hours, Identity's token lifetime): a welcome for a client who signed
    /// up for their customer account, an invitation from the acting user otherwise.</summary>
    internal Task SendInvitationAsync(TenantScope scope, ApplicationUser user, string role, string baseUri, CancellationToken ct) =>
        SendInvitationAsync(scope.Get<UserManager<ApplicationUser>>(), user, role, baseUri, ct);

    /// <summary>A new invitation for someone who has not chosen a password yet; the earlier link stops working.</summary>
    public async Task<UserRow> ResendInvitationAsync(Guid userId, string baseUri, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var users = scope.Get<UserManager<ApplicationUser>>();
        var user = await LoadAsync(scope, userId, ct);
        if (user.EmailConfirmed)
            throw new ConflictError("already_joined", "This user has already accepted the invitation; they can reset their password themselves.").ToException();
        var roles = await users.GetRolesAsync(user);
        var assignable = await AssignableRolesAsync(ct);
        if (roles.Any(r => !assignable.Contains(r)))
            throw new ForbiddenError("This user holds a role you cannot manage.").ToException();
        await Check(users.UpdateSecurityStampAsync(user)); // the earlier link was bound to the old stamp
        await SendInvitationAsync(users, user, roles.FirstOrDefault() ?? "", baseUri, ct);
        return (await FindAsync(scope, userId, ct))!;
    }

    private async Task SendInvitationAsync(UserManager<ApplicationUser> users, ApplicationUser user, string role, string baseUri, CancellationToken ct)
    {
        var token = WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(await users.GeneratePasswordResetTokenAsync(user)));
        var link = $"{baseUri.TrimEnd('/')}/account/reset-password?userId={user.Id}&code={token}&invite=1";
        var message = role == Roles.Client && user.CustomerId is not null
            ? new MailMessage(user.Email!, $"Welcome to {current.TenantName}",
                $"Hello {user.DisplayName},\n\nwelcome to {current.TenantName}: your customer account is ready.\n" +
                $"Choose your password here (the link is valid for 24 hours):\n{link}\n")
            : new MailMessage(user.Email!, $"You are invited to {current.TenantName}",
                $"Hello {user.DisplayName},\n\n{current.Actor.UserName} invited you to {current.TenantName} on MPanel as {Roles.Label(role)}.\n" +
                $"Choose your password here (the link is valid for 24 hours):\n{link}\n");
        await mailer.SendAsync(message, ct);
    }

    public async Task<UserRow> ChangeRoleAsync(Guid userId, string role, CancellationToken ct = default)
    {
        var assignable = await AssignableRolesAsync(ct);
        if (!assignable.Contains(role))
            throw ValidationError.For("role", "Choose a role you are allowed to assign.").ToException();
        await using var scope = scopes.Create();
        var users = scope.Get<UserManager<ApplicationUser>>();
        var user = await LoadAsync(scope, userId, ct);
        EnsureNotSelf(userId, "change your own role");
        var currentRoles = await users.GetRolesAsync(user);
        if (currentRoles.Any(r => !assignable.Contains(r)))
            throw new ForbiddenError("This user holds a role you cannot manage.").ToException();
        await using var transaction = await scope.Db.Database.BeginTransactionAsync(ct);
        await Check(users.RemoveFromRolesAsync(user, currentRoles));
        await Check(users.AddToRoleAsync(user, role));
        await Check(users.UpdateSecurityStampAsync(user));
        await transaction.CommitAsync(ct);
        return (await FindAsync(scope, userId, ct))!;
    }

    /// <summary>Disabling locks the account and changes its security stamp, which ends its open sessions and circuits.</summary>
    public async Task<UserRow> SetDisabledAsync(Guid userId, bool disabled, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var users = scope.Get<UserManager<ApplicationUser>>();
        var user = await LoadAsync(scope, userId, ct);
        if (disabled) EnsureNotSelf(userId, "disable your own account");
        var assignable = await AssignableRolesAsync(ct);
        if ((await users.GetRolesAsync(user)).Any(r => !assignable.Contains(r)))
            throw new ForbiddenError("This user holds a role you cannot manage.").ToException();
        user.IsDisabled = disabled;
        await Check(users.UpdateAsync(user));
        await Check(users.SetLockoutEndDateAsync(user, disabled ? DateTimeOffset.MaxValue : null));
        await users.UpdateSecurityStampAsync(user);
        if (disabled) await sessions.RevokeAllAsync(userId, keep: null, "Account disabled by an administrator", ct);
        return (await FindAsync(scope, userId, ct))!;
    }

    /// <summary>For a user who lost their phone and their recovery codes: turns two-factor off, forgets the key and the
    /// codes, and ends the user's sessions. Audited like every change; staff must enrol again at the next sign-in.</summary>
    public async Task<UserRow> ResetTwoFactorAsync(Guid userId, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var users = scope.Get<UserManager<ApplicationUser>>();
        var user = await LoadAsync(scope, userId, ct);
        EnsureNotSelf(userId, "reset your own two-factor authentication");
        var assignable = await AssignableRolesAsync(ct);
        if ((await users.GetRolesAsync(user)).Any(r => !assignable.Contains(r)))
            throw new ForbiddenError("This user holds a role you cannot manage.").ToException();
        await using var transaction = await scope.Db.Database.BeginTransactionAsync(ct);
        await Check(users.SetTwoFactorEnabledAsync(user, false));
        await Check(users.ResetAuthenticatorKeyAsync(user));
        await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 0);
        user.TwoFactorLastStep = null;
        await Check(users.UpdateAsync(user));
        await Check(users.UpdateSecurityStampAsync(user));
        await transaction.CommitAsync(ct);
        await sessions.RevokeAllAsync(userId, keep: null, "Two-factor reset by an administrator", ct);
        return (await FindAsync(scope, userId, ct))!;
    }

    /// <summary>Signs the user out everywhere (every session record revoked, the security stamp changed).</summary>
    public async Task<int> EndSessionsAsync(Guid userId, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var users = scope.Get<UserManager<ApplicationUser>>();
        var user = await LoadAsync(scope, userId, ct);
        var assignable = await AssignableRolesAsync(ct);
        if (userId != current.Actor.UserId && (await users.GetRolesAsync(user)).Any(r => !assignable.Contains(r)))
            throw new ForbiddenError("This user holds a role you cannot manage.").ToException();
        await Check(users.UpdateSecurityStampAsync(user));
        return await sessions.RevokeAllAsync(userId, keep: null, "Ended by an administrator", ct);
    }

    private void EnsureNotSelf(Guid userId, string what)
    {
        if (current.Actor.UserId == userId)
            throw new ConflictError("self", $"You cannot {what}; ask another administrator.").ToException();
    }

    private static async Task<ApplicationUser> LoadAsync(TenantScope scope, Guid userId, CancellationToken ct) =>
        await scope.Db.Users.FirstOrDefaultAsync(u => u.Id == userId, ct) ?? throw new NotFoundError("User", userId).ToException();

    private Task<UserRow?> FindAsync(TenantScope scope, Guid userId, CancellationToken ct) =>
        Rows(scope.Db, scope.Db.Users.AsNoTracking().Where(u => u.Id == userId)).FirstOrDefaultAsync(ct);

    private IQueryable<UserRow> Rows(MPanel.Infrastructure.Persistence.MPanelDbContext db, IQueryable<ApplicationUser> users)
    {
        var now = clock.GetUtcNow();
        return users.Select(u => new UserRow(u.Id, u.Email!, u.DisplayName,
            (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id where ur.UserId == u.Id select r.Name).FirstOrDefault(),
            u.IsDisabled, u.LockoutEnd != null && u.LockoutEnd > now, u.EmailConfirmed, u.TwoFactorEnabled, u.CreatedAt, u.LastSignInAt));
    }

    private static async Task Check(Task<IdentityResult> task)
    {
        var result = await task;
        if (!result.Succeeded)
            throw new ConflictError("identity", string.Join(" ", result.Errors.Select(e => e.Description))).ToException();
    }
}
