using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Npgsql;

namespace MPanel.Infrastructure.Persistence;

/// <summary>Writes entities into a table with PostgreSQL's binary COPY, using the EF model for column names, store types
/// and value converters (enums as text, value objects as jsonb) — the same shape SaveChanges would write, at COPY speed.</summary>
public static class BulkCopy
{
    public static async Task<ulong> WriteAsync<T>(DbContext db, NpgsqlConnection connection, string table, IReadOnlyCollection<T> rows, CancellationToken ct)
        where T : class
    {
        var entityType = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not mapped.");
        var storeObject = StoreObjectIdentifier.Table(entityType.GetTableName()!, entityType.GetSchema());
        var columns = entityType.GetProperties()
            .Where(p => !p.IsConcurrencyToken || p.ValueGenerated == Microsoft.EntityFrameworkCore.Metadata.ValueGenerated.Never)
            .Where(p => p.GetColumnName(storeObject) is not "xmin")
            .Select(p => new Column(p, p.GetColumnName(storeObject)!, StoreType(p), p.GetTypeMapping().Converter))
            .ToList();
        var copy = $"COPY {table} ({string.Join(", ", columns.Select(c => $"\"{c.Name}\""))}) FROM STDIN (FORMAT BINARY)";
        await using var writer = await connection.BeginBinaryImportAsync(copy, ct);
        foreach (var row in rows)
        {
            await writer.StartRowAsync(ct);
            foreach (var column in columns)
            {
                var value = column.Property.PropertyInfo is { } pi ? pi.GetValue(row) : column.Property.FieldInfo?.GetValue(row);
                if (value is not null && column.Converter is { } converter) value = converter.ConvertToProvider(value);
                if (value is null) await writer.WriteNullAsync(ct);
                else await writer.WriteAsync(value, column.StoreType, ct);
            }
        }
        return await writer.CompleteAsync(ct);
    }

    private static string StoreType(IProperty p)
    {
        var type = p.GetColumnType();
        var paren = type.IndexOf('(');
        return paren < 0 ? type : type[..paren].Trim() + (type.EndsWith("[]", StringComparison.Ordinal) ? "[]" : "");
    }

    private sealed record Column(IProperty Property, string Name, string StoreType, Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter? Converter);
}
