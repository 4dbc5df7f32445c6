using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MPanel.Infrastructure.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Reseller_Limits : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "limits_max_customers",
                table: "tenants",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "limits_max_disk_mb",
                table: "tenants",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "limits_max_mailboxes",
                table: "tenants",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "limits_max_sites",
                table: "tenants",
                type: "integer",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "limits_max_customers",
                table: "tenants");

            migrationBuilder.DropColumn(
                name: "limits_max_disk_mb",
                table: "tenants");

            migrationBuilder.DropColumn(
                name: "limits_max_mailboxes",
                table: "tenants");

            migrationBuilder.DropColumn(
                name: "limits_max_sites",
                table: "tenants");
        }
    }
}
