using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using MPanel.Domain.Billing;
using MPanel.Infrastructure.Documents;
using PdfSharp.Fonts;
using PdfSharp.Pdf;
using PdfSharp.Pdf.Content;
using PdfSharp.Pdf.Content.Objects;
using PdfSharp.Pdf.IO;

namespace MPanel.Tests.Features.Billing;

/// <summary>Renders invoices and reads the PDFs back with PDFsharp's parser. Text is checked the way a PDF viewer
/// would extract it: the page's content stream is parsed into operators, every shown string (Tj/TJ, which carry glyph
/// ids because the font is an embedded Identity-H TrueType subset) is decoded through that font's /ToUnicode map.
/// So a value only counts as present if it is really drawn on the page, in the font that is selected at that point.</summary>
public sealed class InvoicePdfTests
{
    private static readonly InvoicePdfRenderer Renderer = new();
    private const string SupportEmail = "billing@nimbus-hosting.example";

    [Fact]
    public void Render_ShortInvoice_IsOnePageWithNumberAndTotalOnThePage()
    {
        var bytes = Renderer.Render(Sample());

        Assert.Equal("%PDF-", Encoding.ASCII.GetString(bytes, 0, 5));
        using var pdf = Open(bytes);
        Assert.Equal(1, pdf.PageCount);
        Assert.Equal("Invoice INV-2025-0042", pdf.Info.Title);
        Assert.Contains("1,474.38 EUR", pdf.Info.Subject);

        var runs = PdfText.Runs(pdf.Pages[0]);
        Assert.Contains("No. INV-2025-0042", runs);
        Assert.Equal(2, runs.Count(r => r == "1,474.38 EUR"));      // "Total" and "Amount due"
        Assert.Contains("Nimbus Hosting", runs);                    // product name in the band
        Assert.Contains("Dedicated server DS-4 (Frankfurt)", runs);
        Assert.Contains("1 Mar 2025 – 31 Mar 2025", runs);         // service period under the description
        Assert.Contains("1,200.00", runs);                          // unit price, grouped, 2 decimals
        Assert.Contains("VAT ID: NL123456789B01", runs);
        Assert.Contains("Page 1 of 1", runs);
        Assert.Contains(runs, r => r.Contains(SupportEmail, StringComparison.Ordinal));
        // The extraction is not vacuous: a number that is not on the page is not found.
        Assert.DoesNotContain(runs, r => r.Contains("INV-2025-0043", StringComparison.Ordinal));
    }

    [Fact]
    public void Render_TaxSummaryAndTotals_ShowEveryFigure()
    {
        using var pdf = Open(Renderer.Render(Sample()));
        var runs = PdfText.Runs(pdf.Pages[0]);

        Assert.Contains("VAT", runs);
        Assert.Contains("21%", runs);
        Assert.Contains("1,218.50", runs);           // tax base
        Assert.Contains("255.88", runs);             // tax amount
        Assert.Contains("1,219.50 EUR", runs);       // subtotal
        Assert.Contains("1.00 EUR", runs);           // discount
        Assert.Contains("255.88 EUR", runs);         // tax total
        Assert.Contains("0.00 EUR", runs);           // paid
        Assert.Contains("Amount due", runs);
    }

    [Fact]
    public void Render_EightyLines_ContinuesTheTableOnFurtherPages()
    {
        var doc = Sample(lines: Enumerable.Range(1, 80).Select(LongLine).ToList());

        using var pdf = Open(Renderer.Render(doc));

        Assert.True(pdf.PageCount >= 2, $"expected at least 2 pages, got {pdf.PageCount}");
        var pages = pdf.Pages.Cast<PdfPage>().Select(PdfText.Runs).ToList();
        for (var i = 0; i < pages.Count; i++)
        {
            Assert.Contains($"Page {i + 1} of {pages.Count}", pages[i]);
            Assert.Contains(pages[i], r => r.Contains(SupportEmail, StringComparison.Ordinal));
            Assert.Contains("DESCRIPTION", pages[i]);            // table header repeated on every page with lines
        }
        Assert.Contains("Invoice INV-2025-0042 · continued", pages[1]);
        // Every line is drawn exactly once, in order, and its long description wrapped onto several lines.
        var all = pages.SelectMany(p => p).ToList();
        var positions = Enumerable.Range(1, 80).Select(n => all.FindIndex(r => r.StartsWith($"Item-{n:00} ", StringComparison.Ordinal))).ToList();
        Assert.All(positions, p => Assert.True(p >= 0));
        Assert.Equal(positions.Order(), positions);
        Assert.All(Enumerable.Range(1, 80), n => Assert.Single(all, r => r.StartsWith($"Item-{n:00} ", StringComparison.Ordinal)));
        Assert.Equal(80, all.Count(r => r.EndsWith("environment.", StringComparison.Ordinal)));
        Assert.Contains("Amount due", pages[^1]);
    }

    [Fact]
    public void Render_LongDescription_WrapsWithinTheColumnWithoutLosingWords()
    {
        var description = string.Join(' ', Enumerable.Range(1, 40).Select(i => $"word{i:00}"))
                          + " " + new string('x', 90) + ".example.com";
        var doc = Sample(lines: [Line(description, 1, 10m)]);

        using var pdf = Open(Renderer.Render(doc));
        var runs = PdfText.Runs(pdf.Pages[0]);

        var start = runs.FindIndex(r => r.StartsWith("word01", StringComparison.Ordinal));
        Assert.True(start >= 0);
        var wrapped = runs.Skip(start).TakeWhile(r => r.StartsWith("word", StringComparison.Ordinal) || r.StartsWith('x') || r.EndsWith(".example.com", StringComparison.Ordinal)).ToList();
        Assert.True(wrapped.Count >= 4, $"expected the description on several lines, got: {string.Join(" | ", wrapped)}");
        Assert.Equal(description.Replace(" ", ""), string.Concat(wrapped).Replace(" ", ""));
    }

    [Fact]
    public void Render_DescriptionLongerThanAPage_IsSplitAcrossPages()
    {
        var description = string.Join(' ', Enumerable.Range(1, 1500).Select(i => $"w{i}"));
        using var pdf = Open(Renderer.Render(Sample(lines: [Line(description, 1, 10m)])));

        Assert.True(pdf.PageCount >= 2);
        var words = pdf.Pages.Cast<PdfPage>().SelectMany(PdfText.Runs)
            .SelectMany(r => r.Split(' ')).Where(w => Regex.IsMatch(w, "^w[0-9]+$")).ToList();
        Assert.Equal(description.Split(' '), words);
    }

    [Fact]
    public void Render_Yen_UsesNoDecimals()
    {
        var doc = Sample(currency: "JPY", lines: [Line("Managed VPS", 2, 6000m)]) with
        {
            Taxes = [new DocumentTax("JCT", 10m, 12000m, 1200m)],
            Subtotal = 12000m, DiscountTotal = 0m, TaxTotal = 1200m, Total = 13200m, AmountPaid = 0m, AmountDue = 13200m,
        };

        using var pdf = Open(Renderer.Render(doc));
        var runs = PdfText.Runs(pdf.Pages[0]);

        Assert.Contains("13,200 JPY", runs);
        Assert.Contains("6,000", runs);
        Assert.DoesNotContain(runs, r => r.Contains("13,200.00", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Invoice", "DRAFT")]
    [InlineData("Proforma invoice", "PROFORMA")]
    public void Render_WithoutNumber_IsLabelledDraftOrProforma(string title, string label)
    {
        using var pdf = Open(Renderer.Render(Sample() with { Title = title, Number = null, Status = "Draft" }));
        var runs = PdfText.Runs(pdf.Pages[0]);

        Assert.Equal($"{title} ({label})", pdf.Info.Title);
        Assert.True(runs.Count(r => r == label) >= 2, "label next to the title and as a watermark");
        Assert.DoesNotContain(runs, r => r.StartsWith("No. ", StringComparison.Ordinal));
    }

    [Fact]
    public void Render_ReverseChargeAndNotes_ArePrinted()
    {
        var doc = Sample() with
        {
            Taxes = [],
            TaxTotal = 0m,
            ReverseChargeNote = TaxContext.ReverseChargeNote,
            Notes = "Pay by bank transfer to IBAN NL91 ABNA 0417 1643 00, quoting the invoice number.\nThank you for your business.",
        };

        using var pdf = Open(Renderer.Render(doc));
        var text = string.Join(' ', PdfText.Runs(pdf.Pages[0]));

        Assert.Contains("Reverse charge: VAT to be accounted for by the recipient", text);
        Assert.Contains("Directive 2006/112/EC", text);
        Assert.Contains("IBAN NL91 ABNA 0417 1643 00", text);
        Assert.Contains("Thank you for your business.", text);
    }

    [Fact]
    public void Render_NonLatinNames_AreEmbeddedAndExtractable()
    {
        var doc = Sample() with { Buyer = new DocumentParty("Łukasz Żółć — ООО «Ромашка»", ["ul. Świętokrzyska 12", "00-916 Warszawa"], null, null) };

        using var pdf = Open(Renderer.Render(doc));

        Assert.Contains("Łukasz Żółć — ООО «Ромашка»", PdfText.Runs(pdf.Pages[0]));
    }

    [Fact]
    public void Render_InParallel_RegistersTheFontResolverOnce()
    {
        var results = new byte[16][];
        Parallel.For(0, results.Length, i =>
        {
            EmbeddedFontResolver.EnsureRegistered();
            results[i] = new InvoicePdfRenderer().Render(Sample());
        });

        Assert.IsType<EmbeddedFontResolver>(GlobalFontSettings.FontResolver);
        Assert.All(results, r =>
        {
            using var pdf = Open(r);
            Assert.Contains("1,474.38 EUR", PdfText.Runs(pdf.Pages[0]));
        });
    }

    [Fact]
    public void Render_SampleForHumans_WhenAnOutputFolderIsGiven()
    {
        var folder = Environment.GetEnvironmentVariable("MPANEL_TEST_OUTPUT");
        var doc = Sample() with
        {
            Lines = [.. Sample().Lines, .. Enumerable.Range(1, 2).Select(LongLine)],
            Notes = "Pay by bank transfer to IBAN NL91 ABNA 0417 1643 00 (BIC ABNANL2A), quoting the invoice number.\nThank you for your business.",
        };
        var bytes = Renderer.Render(doc);
        var longBytes = Renderer.Render(Sample(lines: Enumerable.Range(1, 80).Select(LongLine).ToList()) with { Number = null });
        Assert.Equal("%PDF-", Encoding.ASCII.GetString(bytes, 0, 5));
        if (string.IsNullOrEmpty(folder)) return;

        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "invoice-sample.pdf");
        File.WriteAllBytes(path, bytes);
        File.WriteAllBytes(Path.Combine(folder, "invoice-sample-80-lines-draft.pdf"), longBytes);
        var pdftoppm = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, "pdftoppm")).FirstOrDefault(File.Exists);
        if (pdftoppm is null) return;   // poppler-utils is optional; the PDF alone is still useful
        using var process = Process.Start(new ProcessStartInfo(pdftoppm, ["-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile", path,
            Path.Combine(folder, "invoice-sample")]) { RedirectStandardError = true })!;
        process.WaitForExit(30_000);
        Assert.Equal(0, process.ExitCode);
        Assert.True(File.Exists(Path.Combine(folder, "invoice-sample.png")));
    }

    // ---- data ----

    private static InvoiceDocument Sample(IReadOnlyList<DocumentLine>? lines = null, string currency = "EUR")
    {
        lines ??=
        [
            Line("Dedicated server DS-4 (Frankfurt)", 1, 1200m, new DateOnly(2025, 3, 1), new DateOnly(2025, 3, 31)),
            Line("Domain renewal nimbus-customer.example", 1, 12m, new DateOnly(2025, 3, 14), new DateOnly(2026, 3, 13)),
            Line("Extra mailbox", 3, 2.5m, discount: 1m),
        ];
        var subtotal = lines.Sum(l => l.Quantity * l.UnitPrice);
        var discount = lines.Sum(l => l.Discount);
        var net = lines.Sum(l => l.Net);
        var tax = lines.Sum(l => l.Tax);
        return new InvoiceDocument(
            Title: "Invoice", Number: "INV-2025-0042", Status: "Open",
            IssueDate: new DateOnly(2025, 3, 1), DueDate: new DateOnly(2025, 3, 15), Currency: currency,
            Seller: new DocumentParty("Nimbus Hosting B.V.", ["Keizersgracht 123", "1015 CJ Amsterdam", "Netherlands"], "NL123456789B01", SupportEmail),
            Buyer: new DocumentParty("Example Widgets GmbH", ["Attn. Accounts Payable", "Friedrichstraße 42", "10117 Berlin", "Germany"], "DE811907980", "ap@widgets.example"),
            Lines: lines,
            Taxes: [new DocumentTax("VAT", 21m, net, tax)],
            Subtotal: subtotal, DiscountTotal: discount, TaxTotal: tax, Total: net + tax, AmountPaid: 0m, AmountDue: net + tax,
            PricesIncludeTax: false, ReverseChargeNote: null, Notes: null,
            Branding: new DocumentBranding("Nimbus Hosting", "#0F766E", null,
                "Nimbus Hosting B.V. · Chamber of Commerce 12345678 · Keizersgracht 123, Amsterdam",
                "Nimbus Hosting B.V. · IBAN NL91 ABNA 0417 1643 00 · BIC ABNANL2A", SupportEmail));
    }

    private static DocumentLine Line(string description, decimal quantity, decimal unitPrice,
        DateOnly? from = null, DateOnly? to = null, decimal discount = 0m)
    {
        var net = quantity * unitPrice - discount;
        var tax = decimal.Round(net * 0.21m, 2, MidpointRounding.ToEven);
        return new DocumentLine(description, quantity, unitPrice, discount, net, "VAT 21%", tax, net + tax, from, to);
    }

    private static DocumentLine LongLine(int n) => Line(
        $"Item-{n:00} Managed WordPress hosting for site-{n:00}.customer.example with daily off-site backups, malware scanning and a staging environment.",
        n % 3 + 1, 9.95m + n, new DateOnly(2025, 3, 1), new DateOnly(2025, 3, 31), discount: n % 4 == 0 ? 1m : 0m);

    private static PdfDocument Open(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes);
        return PdfReader.Open(stream, PdfDocumentOpenMode.Import);
    }

    /// <summary>Minimal text extraction for PDFsharp output: each shown string becomes one run, decoded through the
    /// /ToUnicode CMap of the font selected by the last Tf operator.</summary>
    private static class PdfText
    {
        public static List<string> Runs(PdfPage page)
        {
            var maps = ToUnicodeMaps(page);
            var runs = new List<string>();
            Dictionary<int, string>? font = null;
            Walk(ContentReader.ReadContent(page));
            return runs;

            void Walk(CSequence sequence)
            {
                foreach (var item in sequence)
                {
                    switch (item)
                    {
                        case CSequence nested:
                            Walk(nested);
                            break;
                        case COperator { OpCode.Name: "Tf" } tf:
                            font = maps[((CName)tf.Operands[0]).Name.TrimStart('/')];
                            break;
                        case COperator { OpCode.Name: "Tj" or "'" or "\"" } show:
                            runs.Add(Decode((CString)show.Operands[^1], font));
                            break;
                        case COperator { OpCode.Name: "TJ" } showArray:
                            runs.Add(string.Concat(((CArray)showArray.Operands[0]).OfType<CString>().Select(s => Decode(s, font))));
                            break;
                    }
                }
            }
        }

        private static string Decode(CString text, Dictionary<int, string>? toUnicode)
        {
            Assert.NotNull(toUnicode);   // text shown before any font was selected is a malformed page
            var bytes = text.Value.Select(c => (byte)c).ToArray();
            var result = new StringBuilder();
            for (var i = 0; i + 1 < bytes.Length; i += 2)
            {
                var glyph = bytes[i] << 8 | bytes[i + 1];
                result.Append(toUnicode.TryGetValue(glyph, out var s) ? s : "\uFFFD");
            }
            return result.ToString();
        }

        private static Dictionary<string, Dictionary<int, string>> ToUnicodeMaps(PdfPage page)
        {
            var maps = new Dictionary<string, Dictionary<int, string>>();
            var fonts = page.Resources.Elements.GetDictionary("/Font");
            if (fonts is null) return maps;
            foreach (var key in fonts.Elements.Keys)
            {
                var cmap = fonts.Elements.GetDictionary(key)?.Elements.GetDictionary("/ToUnicode")?.Stream?.UnfilteredValue;
                if (cmap is null) continue;
                maps[key.TrimStart('/')] = ParseCMap(Encoding.ASCII.GetString(cmap));
            }
            return maps;
        }

        private static Dictionary<int, string> ParseCMap(string cmap)
        {
            var map = new Dictionary<int, string>();
            foreach (Match range in Regex.Matches(cmap, @"beginbfrange(.*?)endbfrange", RegexOptions.Singleline))
                foreach (Match m in Regex.Matches(range.Groups[1].Value, @"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>"))
                {
                    int lo = Hex(m.Groups[1].Value), hi = Hex(m.Groups[2].Value);
                    var start = Utf16(m.Groups[3].Value);
                    for (var g = lo; g <= hi; g++)
                        map[g] = start[..^1] + (char)(start[^1] + (g - lo));
                }
            foreach (Match chars in Regex.Matches(cmap, @"beginbfchar(.*?)endbfchar", RegexOptions.Singleline))
                foreach (Match m in Regex.Matches(chars.Groups[1].Value, @"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>"))
                    map[Hex(m.Groups[1].Value)] = Utf16(m.Groups[2].Value);
            return map;
        }

        private static int Hex(string s) => int.Parse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

        private static string Utf16(string hex) =>
            new(Enumerable.Range(0, hex.Length / 4).Select(i => (char)Hex(hex.Substring(i * 4, 4))).ToArray());
    }
}
