using MPanel.Domain.Billing;

namespace MPanel.Tests.Domain.Billing;

public sealed class DocumentNumberingTests
{
    private static readonly DateOnly March2026 = new(2026, 3, 5);

    [Fact]
    public void Format_DefaultFormat_PadsTheCounter() =>
        Assert.Equal("INV-2026-000042", DocumentNumbering.Format("{prefix}{yyyy}-{n:6}", "INV-", March2026, 42));

    [Theory]
    [InlineData("{prefix}{yy}{mm}-{n:4}", "CN-", 7, "CN-2603-0007")]
    [InlineData("{yyyy}/{mm}/{n}", "INV-", 123, "2026/03/123")]   // prefix is optional, {n} unpadded
    [InlineData("{prefix}{n}", "INV-", 42, "INV-42")]
    [InlineData("{prefix}{yyyy}-{n:6}", "INV-", 1234567, "INV-2026-1234567")] // wider than the width: never truncated
    public void Format_ReplacesEveryToken(string format, string prefix, long n, string expected) =>
        Assert.Equal(expected, DocumentNumbering.Format(format, prefix, March2026, n));

    [Fact]
    public void Format_TwoDigitYear_IsZeroPadded() =>
        Assert.Equal("05-1", DocumentNumbering.Format("{yy}-{n}", "", new DateOnly(2005, 12, 31), 1));

    [Theory]
    [InlineData(DocumentNumbering.DefaultFormat)]
    [InlineData("{n}")]
    [InlineData("{prefix}{yy}{mm}-{n:4}")]
    [InlineData("F/{yyyy}/{n:12}")]
    public void IsValidFormat_AcceptsOneCounterAndKnownTokens(string format) => Assert.True(DocumentNumbering.IsValidFormat(format));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("{prefix}{yyyy}")]          // no {n}
    [InlineData("{n}-{n:6}")]               // two counters
    [InlineData("{prefix}{yyyy}-{n:6}{dd}")] // unknown token
    [InlineData("{prefix}{N}")]             // tokens are lower-case
    [InlineData("{n:123}")]                 // width has at most two digits
    [InlineData("{prefix}{n}}")]            // stray brace
    [InlineData("INV-{n")]                  // unclosed
    public void IsValidFormat_RejectsBadFormats(string? format) => Assert.False(DocumentNumbering.IsValidFormat(format));

    [Fact]
    public void IsValidFormat_AllowsAtMost64Characters()
    {
        Assert.True(DocumentNumbering.IsValidFormat(new string('X', 61) + "{n}"));  // 64
        Assert.False(DocumentNumbering.IsValidFormat(new string('X', 62) + "{n}")); // 65
    }

    [Fact]
    public void Split_DefaultFormat_GivesHeadWidthAndTail() =>
        Assert.Equal(("INV-2026-", 6, ""), DocumentNumbering.Split(DocumentNumbering.DefaultFormat, "INV-", March2026));

    [Fact]
    public void Split_TextAfterTheCounter_IsTheTail() =>
        Assert.Equal(("", 0, "/2026"), DocumentNumbering.Split("{n}/{yyyy}", "INV-", March2026));

    [Theory]
    [InlineData(DocumentNumbering.DefaultFormat)]
    [InlineData("{prefix}{yy}{mm}-{n:4}")]
    [InlineData("{n}/{yyyy}")]
    [InlineData("{prefix}{n}")]
    [InlineData("{prefix}-{n:2}-{mm}{yy}")]
    public void Split_Recombined_EqualsFormat(string format)
    {
        var (head, width, tail) = DocumentNumbering.Split(format, "INV-", March2026);
        foreach (var n in new long[] { 1, 42, 999, 1_000, 999_999, 1_234_567 })
        {
            // Recombined as the SQL does: lpad(n, greatest(width, length(n)), '0').
            var recombined = head + n.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(width, '0') + tail;
            Assert.Equal(DocumentNumbering.Format(format, "INV-", March2026, n), recombined);
        }
    }

    [Theory]
    [InlineData(true, 2026)]
    [InlineData(false, 0)]
    public void CounterYear_IsTheYearOnlyWhenNumberingResets(bool resetsYearly, int expected) =>
        Assert.Equal(expected, DocumentNumbering.CounterYear(resetsYearly, March2026));
}
