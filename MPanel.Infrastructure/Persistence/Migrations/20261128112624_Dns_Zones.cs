using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MPanel.Infrastructure.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Dns_Zones : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "dns_zone_templates",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    is_default = table.Column<bool>(type: "boolean", nullable: false),
                    records = table.Column<string>(type: "jsonb", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_dns_zone_templates", x => x.id);
                    table.ForeignKey(
                        name: "fk_dns_zone_templates_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "dns_zones",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    customer_id = table.Column<Guid>(type: "uuid", nullable: false),
                    subscription_id = table.Column<Guid>(type: "uuid", nullable: true),
                    name = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: false),
                    serial = table.Column<long>(type: "bigint", nullable: false),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_dns_zones", x => x.id);
                    table.ForeignKey(
                        name: "fk_dns_zones_customers_customer_id",
                        column: x => x.customer_id,
                        principalTable: "customers",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_dns_zones_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "registered_domains",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    customer_id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: false),
                    registrar = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    expires_on = table.Column<DateOnly>(type: "date", nullable: true),
                    auto_renew = table.Column<bool>(type: "boolean", nullable: false),
                    nameservers = table.Column<string>(type: "jsonb", nullable: false),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_registered_domains", x => x.id);
                    table.ForeignKey(
                        name: "fk_registered_domains_customers_customer_id",
                        column: x => x.customer_id,
                        principalTable: "customers",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_registered_domains_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "dns_records",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    zone_id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: false),
                    type = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    content = table.Column<string>(type: "character varying(8000)", maxLength: 8000, nullable: false),
                    ttl = table.Column<int>(type: "integer", nullable: false),
                    priority = table.Column<int>(type: "integer", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_dns_records", x => x.id);
                    table.ForeignKey(
                        name: "fk_dns_records_dns_zones_zone_id",
                        column: x => x.zone_id,
                        principalTable: "dns_zones",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "domain_tasks",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    domain_id = table.Column<Guid>(type: "uuid", nullable: false),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    details = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    completed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    completed_by = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_domain_tasks", x => x.id);
                    table.ForeignKey(
                        name: "fk_domain_tasks_registered_domains_domain_id",
                        column: x => x.domain_id,
                        principalTable: "registered_domains",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_dns_records_tenant_id",
                table: "dns_records",
                column: "tenant_id");

            migrationBuilder.CreateIndex(
                name: "ix_dns_records_zone_id_name_type",
                table: "dns_records",
                columns: new[] { "zone_id", "name", "type" });

            migrationBuilder.CreateIndex(
                name: "ix_dns_zone_templates_tenant_id",
                table: "dns_zone_templates",
                column: "tenant_id");

            migrationBuilder.CreateIndex(
                name: "ix_dns_zone_templates_tenant_id_name",
                table: "dns_zone_templates",
                columns: new[] { "tenant_id", "name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_dns_zones_customer_id",
                table: "dns_zones",
                column: "customer_id");

            migrationBuilder.CreateIndex(
                name: "ix_dns_zones_name",
                table: "dns_zones",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_dns_zones_subscription_id",
                table: "dns_zones",
                column: "subscription_id");

            migrationBuilder.CreateIndex(
                name: "ix_dns_zones_tenant_id",
                table: "dns_zones",
                column: "tenant_id");

            migrationBuilder.CreateIndex(
                name: "ix_dns_zones_tenant_id_customer_id",
                table: "dns_zones",
                columns: new[] { "tenant_id", "customer_id" });

            migrationBuilder.CreateIndex(
                name: "ix_domain_tasks_domain_id",
                table: "domain_tasks",
                column: "domain_id");

            migrationBuilder.CreateIndex(
                name: "ix_domain_tasks_tenant_id",
                table: "domain_tasks",
                column: "tenant_id");

            migrationBuilder.CreateIndex(
                name: "ix_domain_tasks_tenant_id_status_created_at",
                table: "domain_tasks",
                columns: new[] { "tenant_id", "status", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_registered_domains_customer_id",
                table: "registered_domains",
                column: "customer_id");

            migrationBuilder.CreateIndex(
                name: "ix_registered_domains_tenant_id",
                table: "registered_domains",
                column: "tenant_id");

            migrationBuilder.CreateIndex(
                name: "ix_registered_domains_tenant_id_expires_on",
                table: "registered_domains",
                columns: new[] { "tenant_id", "expires_on" });

            migrationBuilder.CreateIndex(
                name: "ix_registered_domains_tenant_id_name",
                table: "registered_domains",
                columns: new[] { "tenant_id", "name" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "dns_records");

            migrationBuilder.DropTable(
                name: "dns_zone_templates");

            migrationBuilder.DropTable(
                name: "domain_tasks");

            migrationBuilder.DropTable(
                name: "dns_zones");

            migrationBuilder.DropTable(
                name: "registered_domains");
        }
    }
}
