using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MPanel.Infrastructure.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class TenantClientTwoFactor : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "require_two_factor_for_clients",
                table: "tenants",
                type: "boolean",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "require_two_factor_for_clients",
                table: "tenants");
        }
    }
}
