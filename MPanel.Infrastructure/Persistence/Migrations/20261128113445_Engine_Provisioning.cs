using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MPanel.Infrastructure.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Engine_Provisioning : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "account_name",
                table: "subscriptions",
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "primary_domain",
                table: "subscriptions",
                type: "character varying(253)",
                maxLength: 253,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "provisioned_at",
                table: "subscriptions",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "provisioning_drift",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    subscription_id = table.Column<Guid>(type: "uuid", nullable: false),
                    task_id = table.Column<Guid>(type: "uuid", nullable: false),
                    kind = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    resource = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    expected = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    actual = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    found_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    resolved_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_provisioning_drift", x => x.id);
                    table.ForeignKey(
                        name: "fk_provisioning_drift_subscriptions_subscription_id",
                        column: x => x.subscription_id,
                        principalTable: "subscriptions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "provisioning_tasks",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    subscription_id = table.Column<Guid>(type: "uuid", nullable: false),
                    action = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    requested_by = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_provisioning_tasks", x => x.id);
                    table.ForeignKey(
                        name: "fk_provisioning_tasks_subscriptions_subscription_id",
                        column: x => x.subscription_id,
                        principalTable: "subscriptions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "server_drift_summaries",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    server_id = table.Column<Guid>(type: "uuid", nullable: true),
                    server_name = table.Column<string>(type: "character varying(120)", maxLength: 120, nullable: false),
                    @checked = table.Column<int>(name: "checked", type: "integer", nullable: false),
                    drift = table.Column<int>(type: "integer", nullable: false),
                    errors = table.Column<int>(type: "integer", nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_server_drift_summaries", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "servers",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(120)", maxLength: 120, nullable: false),
                    host = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: false),
                    roles = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    capacity = table.Column<int>(type: "integer", nullable: false),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    connections = table.Column<string>(type: "jsonb", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_servers", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "provisioning_steps",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    task_id = table.Column<Guid>(type: "uuid", nullable: false),
                    kind = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    title = table.Column<string>(type: "character varying(120)", maxLength: 120, nullable: false),
                    order = table.Column<int>(type: "integer", nullable: false),
                    position = table.Column<int>(type: "integer", nullable: false),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    duration_ms = table.Column<long>(type: "bigint", nullable: true),
                    last_error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_provisioning_steps", x => x.id);
                    table.ForeignKey(
                        name: "fk_provisioning_steps_provisioning_tasks_task_id",
                        column: x => x.task_id,
                        principalTable: "provisioning_tasks",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "customer_databases",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    customer_id = table.Column<Guid>(type: "uuid", nullable: false),
                    subscription_id = table.Column<Guid>(type: "uuid", nullable: true),
                    engine = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    name = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    user_name = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    server_id = table.Column<Guid>(type: "uuid", nullable: true),
                    protected_password = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    password_changed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    size_bytes = table.Column<long>(type: "bigint", nullable: true),
                    size_measured_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_customer_databases", x => x.id);
                    table.ForeignKey(
                        name: "fk_customer_databases_customers_customer_id",
                        column: x => x.customer_id,
                        principalTable: "customers",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_customer_databases_servers_server_id",
                        column: x => x.server_id,
                        principalTable: "servers",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "fk_customer_databases_subscriptions_subscription_id",
                        column: x => x.subscription_id,
                        principalTable: "subscriptions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "hosting_accounts",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    subscription_id = table.Column<Guid>(type: "uuid", nullable: false),
                    server_id = table.Column<Guid>(type: "uuid", nullable: true),
                    protected_state = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_hosting_accounts", x => x.id);
                    table.ForeignKey(
                        name: "fk_hosting_accounts_servers_server_id",
                        column: x => x.server_id,
                        principalTable: "servers",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "fk_hosting_accounts_subscriptions_subscription_id",
                        column: x => x.subscription_id,
                        principalTable: "subscriptions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_subscriptions_account_name",
                table: "subscriptions",
                column: "account_name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_customer_databases_customer_id",
                table: "customer_databases",
                column: "customer_id");

            migrationBuilder.CreateIndex(
                name: "ix_customer_databases_engine_name",
                table: "customer_databases",
                columns: new[] { "engine", "name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_customer_databases_engine_user_name",
                table: "customer_databases",
                columns: new[] { "engine", "user_name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_customer_databases_server_id",
                table: "customer_databases",
                column: "server_id");

            migrationBuilder.CreateIndex(
                name: "ix_customer_databases_subscription_id",
                table: "customer_databases",
                column: "subscription_id");

            migrationBuilder.CreateIndex(
                name: "ix_customer_databases_tenant_id",
                table: "customer_databases",
                column: "tenant_id");

            migrationBuilder.CreateIndex(
                name: "ix_hosting_accounts_server_id",
                table: "hosting_accounts",
                column: "server_id");

            migrationBuilder.CreateIndex(
                name: "ix_hosting_accounts_subscription_id",
                table: "hosting_accounts",
                column: "subscription_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_hosting_accounts_tenant_id",
                table: "hosting_accounts",
                column: "tenant_id");

            migrationBuilder.CreateIndex(
                name: "ix_provisioning_drift_subscription_id_resolved_at",
                table: "provisioning_drift",
                columns: new[] { "subscription_id", "resolved_at" });

            migrationBuilder.CreateIndex(
                name: "ix_provisioning_drift_tenant_id",
                table: "provisioning_drift",
                column: "tenant_id");

            migrationBuilder.CreateIndex(
                name: "ix_provisioning_steps_task_id_position",
                table: "provisioning_steps",
                columns: new[] { "task_id", "position" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_provisioning_steps_tenant_id",
                table: "provisioning_steps",
                column: "tenant_id");

            migrationBuilder.CreateIndex(
                name: "ix_provisioning_tasks_open",
                table: "provisioning_tasks",
                columns: new[] { "subscription_id", "action" },
                unique: true,
                filter: "status IN ('Queued', 'Running', 'Failed')");

            migrationBuilder.CreateIndex(
                name: "ix_provisioning_tasks_subscription_id_created_at",
                table: "provisioning_tasks",
                columns: new[] { "subscription_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_provisioning_tasks_tenant_id",
                table: "provisioning_tasks",
                column: "tenant_id");

            migrationBuilder.CreateIndex(
                name: "ix_provisioning_tasks_tenant_id_status_created_at",
                table: "provisioning_tasks",
                columns: new[] { "tenant_id", "status", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_server_drift_summaries_server_id_started_at",
                table: "server_drift_summaries",
                columns: new[] { "server_id", "started_at" });

            migrationBuilder.CreateIndex(
                name: "ix_servers_name",
                table: "servers",
                column: "name",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "customer_databases");

            migrationBuilder.DropTable(
                name: "hosting_accounts");

            migrationBuilder.DropTable(
                name: "provisioning_drift");

            migrationBuilder.DropTable(
                name: "provisioning_steps");

            migrationBuilder.DropTable(
                name: "server_drift_summaries");

            migrationBuilder.DropTable(
                name: "servers");

            migrationBuilder.DropTable(
                name: "provisioning_tasks");

            migrationBuilder.DropIndex(
                name: "ix_subscriptions_account_name",
                table: "subscriptions");

            migrationBuilder.DropColumn(
                name: "account_name",
                table: "subscriptions");

            migrationBuilder.DropColumn(
                name: "primary_domain",
                table: "subscriptions");

            migrationBuilder.DropColumn(
                name: "provisioned_at",
                table: "subscriptions");
        }
    }
}
