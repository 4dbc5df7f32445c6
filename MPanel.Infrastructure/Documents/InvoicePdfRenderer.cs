using System.Globalization;
using MPanel.Domain.Billing;
using MPanel.Domain.Common;
using PdfSharp;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace MPanel.Infrastructure.Documents;

/// <summary>Draws an <see cref="InvoiceDocument"/> as an A4 PDF in the tenant's brand: header band, seller and buyer,
/// the lines table (continued on as many pages as it needs, header repeated), the tax summary, the totals, notes and a
/// footer with the support address and page numbers on every page. Stateless and safe to share (register as a
/// singleton); every call lays out a fresh document. Text uses the embedded DejaVu Sans with Unicode encoding, so any
/// Latin, Greek or Cyrillic name prints, and the text stays extractable (PDFsharp writes a ToUnicode map).</summary>
public sealed class InvoicePdfRenderer
{
    public InvoicePdfRenderer() => EmbeddedFontResolver.EnsureRegistered();

    public byte[] Render(InvoiceDocument doc)
    {
        ArgumentNullException.ThrowIfNull(doc);
        using var pdf = new PdfDocument();
        new Layout(doc, pdf).Compose();
        using var output = new MemoryStream();
        pdf.Save(output, false);
        return output.ToArray();
    }

    /// <summary>One rendering: a cursor (<see cref="y"/>) that moves down the current page, and a page break whenever
    /// the next block would run into the footer.</summary>
    private sealed class Layout
    {
        private const double MarginX = 42;
        private const double BandHeight = 70;
        private const double ContinuationBandHeight = 32;
        private const double FooterBottom = 26;
        private const double CellPad = 6;
        private const double ColumnGap = 28;
        private const double RowPad = 5;
        private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

        private static readonly XColor Ink = XColor.FromArgb(0x1F, 0x29, 0x37);
        private static readonly XColor Muted = XColor.FromArgb(0x5F, 0x67, 0x73);
        private static readonly XColor Faint = XColor.FromArgb(0x8A, 0x91, 0x9C);
        private static readonly XColor RuleColor = XColor.FromArgb(0xDD, 0xE1, 0xE6);
        private static readonly XColor Shade = XColor.FromArgb(0xF3, 0xF4, 0xF6);
        private static readonly XColor WatermarkColor = XColor.FromArgb(0xEC, 0xEE, 0xF1);
        private static readonly XColor LabelInk = XColor.FromArgb(0x92, 0x40, 0x0E);
        private static readonly XColor LabelFill = XColor.FromArgb(0xFE, 0xF3, 0xC7);
        private static readonly XColor DefaultPrimary = XColor.FromArgb(0x25, 0x63, 0xEB);

        private readonly InvoiceDocument doc;
        private readonly PdfDocument pdf;
        private readonly int digits;
        private readonly string? draftLabel;
        private readonly string documentName;

        private readonly XFont body = Font(8.5);
        private readonly XFont bodyBold = Font(8.5, bold: true);
        private readonly XFont small = Font(7.5);
        private readonly XFont smaller = Font(7);
        private readonly XFont caps = Font(7, bold: true);
        private readonly XFont partyName = Font(10, bold: true);
        private readonly XFont brand = Font(18, bold: true);
        private readonly XFont brandSmall = Font(11, bold: true);
        private readonly XFont title = Font(22, bold: true);
        private readonly XFont subtitle = Font(11);
        private readonly XFont labelFont = Font(9, bold: true);
        private readonly XFont totalFont = Font(9.5, bold: true);
        private readonly XFont dueFont = Font(11, bold: true);
        private readonly XFont watermark = Font(110, bold: true);

        private readonly XBrush ink = new XSolidBrush(Ink);
        private readonly XBrush muted = new XSolidBrush(Muted);
        private readonly XBrush faint = new XSolidBrush(Faint);
        private readonly XBrush shade = new XSolidBrush(Shade);
        private readonly XPen rule = new(RuleColor, 0.6);
        private readonly XBrush primary;
        private readonly XBrush onPrimary;

        private readonly List<PdfPage> pages = [];
        private XGraphics gfx = null!;
        private double pageWidth;
        private double pageHeight;
        private double y;
        private double contentBottom;
        private IReadOnlyList<string> footerLines = [];

        public Layout(InvoiceDocument doc, PdfDocument pdf)
        {
            this.doc = doc;
            this.pdf = pdf;
            digits = Money.MinorUnits(doc.Currency);
            var primaryColor = ParseColor(doc.Branding.PrimaryColor) ?? DefaultPrimary;
            primary = new XSolidBrush(primaryColor);
            onPrimary = new XSolidBrush(ReadableOn(primaryColor));
            draftLabel = doc.Number is not null ? null
                : doc.Title.Contains("proforma", StringComparison.OrdinalIgnoreCase)
                  || doc.Status.Equals("proforma", StringComparison.OrdinalIgnoreCase) ? "PROFORMA" : "DRAFT";
            documentName = doc.Number is null ? $"{doc.Title} ({draftLabel})" : $"{doc.Title} {doc.Number}";
        }

        private double Left => MarginX;
        private double Right => pageWidth - MarginX;
        private double Width => Right - Left;
        /// <summary>Where the buyer block and the dates start, so that they line up.</summary>
        private double SecondColumnX => Left + (Width + ColumnGap) / 2;

        public void Compose()
        {
            pdf.Info.Title = documentName;
            pdf.Info.Subject = $"{documentName} for {doc.Buyer.Name}: total {WithCode(doc.Total)}, due {Date(doc.DueDate)}";
            pdf.Info.Author = doc.Seller.Name;
            pdf.Info.Creator = doc.Branding.ProductName;
            pdf.Info.Keywords = string.Join(' ', new[] { doc.Number, doc.Currency, doc.Status }.Where(s => !string.IsNullOrWhiteSpace(s)));

            AddPage(first: true);
            DrawIntro();
            DrawParties();
            DrawLines();
            DrawSummary();
            DrawNotes();
            gfx.Dispose();
            DrawFooters();
        }

        // ---- pages ----

        private void AddPage(bool first)
        {
            gfx?.Dispose();
            var page = pdf.AddPage();
            page.Size = PageSize.A4;
            pages.Add(page);
            gfx = XGraphics.FromPdfPage(page);
            pageWidth = page.Width.Point;
            pageHeight = page.Height.Point;

            if (first)
            {
                // The footer's height decides where content must stop; measure it once, with a real page to measure on.
                footerLines = FooterText();
            }
            var footerHeight = footerLines.Count * LineHeight(small);
            contentBottom = pageHeight - FooterBottom - footerHeight - 8 - 16;

            if (first)
            {
                gfx.DrawRectangle(primary, 0, 0, pageWidth, BandHeight);
                var name = Fit(doc.Branding.ProductName, brand, Width * 0.62);
                Draw(name, brand, onPrimary, Left, (BandHeight - LineHeight(brand)) / 2);
                DrawWatermark();
                y = BandHeight + 26;
            }
            else
            {
                gfx.DrawRectangle(primary, 0, 0, pageWidth, ContinuationBandHeight);
                Draw(Fit(doc.Branding.ProductName, brandSmall, Width * 0.5), brandSmall, onPrimary, Left, (ContinuationBandHeight - LineHeight(brandSmall)) / 2);
                var continued = $"{documentName} · continued";
                DrawRight(Fit(continued, small, Width * 0.45), small, onPrimary, Right, (ContinuationBandHeight - LineHeight(small)) / 2);
                DrawWatermark();
                y = ContinuationBandHeight + 22;
            }
        }

        private void DrawWatermark()
        {
            if (draftLabel is null) return;
            var state = gfx.Save();
            var center = new XPoint(pageWidth / 2, pageHeight / 2 + 40);
            gfx.RotateAtTransform(-35, center);
            var size = gfx.MeasureString(draftLabel, watermark);
            gfx.DrawString(draftLabel, watermark, new XSolidBrush(WatermarkColor), center.X - size.Width / 2, center.Y - size.Height / 2, XStringFormats.TopLeft);
            gfx.Restore(state);
        }

        private IReadOnlyList<string> FooterText()
        {
            var lines = new List<string>();
            var textWidth = Width - 80;
            if (!string.IsNullOrWhiteSpace(doc.Branding.Footer))
                lines.AddRange(Wrap(doc.Branding.Footer, small, textWidth).Take(3));
            var support = doc.Branding.SupportEmail ?? doc.Seller.Email;
            var contact = support is null
                ? $"{doc.Seller.Name}"
                : $"Questions about this {doc.Title.ToLowerInvariant()}? Write to {support}";
            lines.AddRange(Wrap(contact, small, textWidth));
            return lines;
        }

        private void DrawFooters()
        {
            for (var i = 0; i < pages.Count; i++)
            {
                using var g = XGraphics.FromPdfPage(pages[i], XGraphicsPdfPageOptions.Append);
                gfx = g;
                var lh = LineHeight(small);
                var top = pageHeight - FooterBottom - footerLines.Count * lh;
                g.DrawLine(rule, Left, top - 8, Right, top - 8);
                for (var l = 0; l < footerLines.Count; l++)
                    Draw(footerLines[l], small, muted, Left, top + l * lh);
                DrawRight($"Page {i + 1} of {pages.Count}", small, muted, Right, top);
            }
        }

        /// <summary>Starts a new page when <paramref name="height"/> more points would run into the footer.</summary>
        private void EnsureRoom(double height)
        {
            if (y + height > contentBottom) AddPage(first: false);
        }

        // ---- blocks ----

        private void DrawIntro()
        {
            if (!string.IsNullOrWhiteSpace(doc.Branding.InvoiceHeader))
            {
                foreach (var line in Wrap(doc.Branding.InvoiceHeader, small, Width))
                {
                    Draw(line, small, muted, Left, y);
                    y += LineHeight(small);
                }
                y += 14;
            }

            var top = y;
            var metaX = SecondColumnX;
            var leftWidth = metaX - Left - 12;
            foreach (var line in Wrap(doc.Title, title, leftWidth))
            {
                Draw(line, title, ink, Left, y);
                y += LineHeight(title);
            }
            y += 2;
            if (doc.Number is not null)
            {
                foreach (var line in Wrap($"No. {doc.Number}", subtitle, leftWidth))
                {
                    Draw(line, subtitle, muted, Left, y);
                    y += LineHeight(subtitle);
                }
            }
            else
            {
                var w = gfx.MeasureString(draftLabel!, labelFont).Width + 16;
                var h = LineHeight(labelFont) + 6;
                gfx.DrawRoundedRectangle(new XSolidBrush(LabelFill), Left, y + 1, w, h, 6, 6);
                Draw(draftLabel!, labelFont, new XSolidBrush(LabelInk), Left + 8, y + 4);
                y += h + 2;
            }
            var leftBottom = y;

            // Dates and status, right-aligned against the margin.
            y = top + 4;
            (string Label, string Value)[] meta =
            [
                ("Issue date", Date(doc.IssueDate)),
                ("Due date", Date(doc.DueDate)),
                ("Status", doc.Status),
            ];
            foreach (var (label, value) in meta)
            {
                Draw(label, body, muted, metaX, y);
                DrawRight(Fit(value, bodyBold, Right - metaX - 70), bodyBold, ink, Right, y);
                y += LineHeight(body) + 3;
            }
            y = Math.Max(leftBottom, y) + 26;
        }

        private void DrawParties()
        {
            var top = y;
            var leftBottom = DrawParty("From", doc.Seller, Left, SecondColumnX - Left - ColumnGap, top);
            var rightBottom = DrawParty("Bill to", doc.Buyer, SecondColumnX, Right - SecondColumnX, top);
            y = Math.Max(leftBottom, rightBottom) + 24;
        }

        private double DrawParty(string heading, DocumentParty party, double x, double width, double top)
        {
            var cy = top;
            Draw(heading.ToUpperInvariant(), caps, faint, x, cy);
            cy += LineHeight(caps) + 3;
            foreach (var line in Wrap(party.Name, partyName, width))
            {
                Draw(line, partyName, ink, x, cy);
                cy += LineHeight(partyName);
            }
            cy += 1;
            var rows = party.AddressLines.Where(l => !string.IsNullOrWhiteSpace(l)).Select(l => (Text: l, Brush: ink)).ToList();
            if (!string.IsNullOrWhiteSpace(party.VatId)) rows.Add(($"VAT ID: {party.VatId}", ink));
            if (!string.IsNullOrWhiteSpace(party.Email)) rows.Add((party.Email, muted));
            foreach (var (text, brush) in rows)
            {
                foreach (var line in Wrap(text, body, width))
                {
                    Draw(line, body, brush, x, cy);
                    cy += LineHeight(body);
                }
            }
            return cy;
        }

        // ---- lines table ----

        private sealed record Column(string Header, double Width, bool Amount);

        private List<Column> columns = [];
        private double tableBodyTop;

        private void DrawLines()
        {
            var showDiscount = doc.Lines.Any(l => l.Discount != 0);
            var fixedColumns = new List<Column> { new("Qty", 30, false), new("Unit price", 62, true) };
            if (showDiscount) fixedColumns.Add(new("Discount", 54, true));
            fixedColumns.Add(new("Net", 62, true));
            fixedColumns.Add(new("Tax", 54, false));
            fixedColumns.Add(new("Total", 66, true));
            columns = [new("Description", Width - fixedColumns.Sum(c => c.Width), false), .. fixedColumns];

            DrawTableHeader();
            if (doc.Lines.Count == 0)
            {
                Draw("No lines.", body, muted, Left + CellPad, y + RowPad);
                y += LineHeight(body) + 2 * RowPad;
                return;
            }
            foreach (var line in doc.Lines)
                DrawLineRow(line);
        }

        private void DrawTableHeader()
        {
            var height = LineHeight(caps) * 2 + 2 * RowPad;
            EnsureRoom(height + 40);
            gfx.DrawRectangle(shade, Left, y, Width, height);
            var x = Left;
            foreach (var col in columns)
            {
                var header = col.Header.ToUpperInvariant();
                if (col.Header == "Description")
                    Draw(header, caps, muted, x + CellPad, y + RowPad);
                else
                {
                    DrawRight(header, caps, muted, x + col.Width - CellPad, y + RowPad);
                    if (col.Amount)
                        DrawRight(doc.Currency, smaller, faint, x + col.Width - CellPad, y + RowPad + LineHeight(caps));
                }
                x += col.Width;
            }
            y += height;
            tableBodyTop = y;
        }

        private void DrawLineRow(DocumentLine line)
        {
            var descWidth = columns[0].Width - 2 * CellPad;
            var text = new List<(string Text, XFont Font, XBrush Brush)>();
            foreach (var l in Wrap(line.Description, body, descWidth)) text.Add((l, body, ink));
            var period = Period(line.PeriodStart, line.PeriodEnd);
            if (period is not null)
                foreach (var l in Wrap(period, small, descWidth)) text.Add((l, small, muted));

            var taxColumn = columns.First(c => c.Header == "Tax");
            var taxLines = Wrap(line.TaxLabel, body, taxColumn.Width - CellPad);
            var numbersHeight = Math.Max(1, taxLines.Count) * LineHeight(body);

            var rowHeight = Math.Max(text.Sum(t => LineHeight(t.Font)), numbersHeight) + 2 * RowPad;
            if (y + rowHeight > contentBottom && y > tableBodyTop)
                NewTablePage();

            // A row taller than a whole page (a very long description) is split across pages, line by line.
            var index = 0;
            var first = true;
            while (index < text.Count || first)
            {
                var top = y;
                var cy = y + RowPad;
                var limit = contentBottom - RowPad;
                var drawn = 0;
                while (index < text.Count && (drawn == 0 || cy + LineHeight(text[index].Font) <= limit))
                {
                    var (t, font, brush) = text[index];
                    Draw(t, font, brush, Left + CellPad, cy);
                    cy += LineHeight(font);
                    index++;
                    drawn++;
                }
                if (first)
                {
                    DrawNumbers(line, top + RowPad, taxLines);
                    cy = Math.Max(cy, top + RowPad + numbersHeight);
                    first = false;
                }
                y = cy + RowPad;
                gfx.DrawLine(rule, Left, y, Right, y);
                if (index < text.Count) NewTablePage();
            }
        }

        private void DrawNumbers(DocumentLine line, double top, IReadOnlyList<string> taxLines)
        {
            var x = Left + columns[0].Width;
            foreach (var col in columns.Skip(1))
            {
                var right = x + col.Width - CellPad;
                var max = col.Width - CellPad;
                switch (col.Header)
                {
                    case "Qty": DrawRightFit(Quantity(line.Quantity), right, max, top); break;
                    case "Unit price": DrawRightFit(Amount(line.UnitPrice), right, max, top); break;
                    case "Discount": DrawRightFit(line.Discount == 0 ? "–" : Amount(line.Discount), right, max, top); break;
                    case "Net": DrawRightFit(Amount(line.Net), right, max, top); break;
                    case "Tax":
                        var ty = top;
                        foreach (var t in taxLines)
                        {
                            DrawRight(t, body, muted, right, ty);
                            ty += LineHeight(body);
                        }
                        break;
                    case "Total": DrawRightFit(Amount(line.Total), right, max, top, bodyBold); break;
                }
                x += col.Width;
            }
        }

        private void NewTablePage()
        {
            AddPage(first: false);
            DrawTableHeader();
        }

        // ---- tax summary and totals ----

        private void DrawSummary()
        {
            y += 18;
            const double totalsWidth = 226;
            var taxWidth = Width - totalsWidth - 30;

            var totals = new List<(string Label, string Value, bool Strong)> { ("Subtotal", WithCode(doc.Subtotal), false) };
            if (doc.DiscountTotal != 0) totals.Add(("Discount", WithCode(doc.DiscountTotal), false));
            totals.Add(("Tax", WithCode(doc.TaxTotal), false));
            totals.Add(("Total", WithCode(doc.Total), true));
            totals.Add(("Paid", WithCode(doc.AmountPaid), false));
            var rowHeight = LineHeight(body) + 5;
            var dueHeight = LineHeight(dueFont) + 12;
            var totalsHeight = totals.Count * rowHeight + 10 + dueHeight;
            var taxNameWidth = taxWidth - 2 * TaxAmountWidth - TaxRateWidth - CellPad;
            var taxRows = doc.Taxes.Select(t => (Tax: t, Name: Wrap(t.Name, body, taxNameWidth) is { Count: > 0 } n ? n : [""])).ToList();
            var taxHeight = taxRows.Count == 0 ? 0
                : LineHeight(caps) + 4 + LineHeight(small) + 6 + taxRows.Sum(r => r.Name.Count * LineHeight(body) + 5);
            EnsureRoom(Math.Max(totalsHeight, taxHeight));

            var top = y;
            if (taxRows.Count > 0) DrawTaxSummary(Left, taxWidth, taxRows);

            y = top;
            var x = Right - totalsWidth;
            foreach (var (label, value, strong) in totals)
            {
                if (strong)
                {
                    gfx.DrawLine(rule, x, y + 1, Right, y + 1);
                    y += 5;
                }
                var font = strong ? totalFont : body;
                Draw(label, font, strong ? ink : muted, x, y);
                DrawRight(Fit(value, font, totalsWidth - 70), font, ink, Right, y);
                y += rowHeight;
            }
            y += 5;
            gfx.DrawRectangle(primary, x - 8, y, totalsWidth + 8, dueHeight);
            Draw("Amount due", dueFont, onPrimary, x, y + 6);
            DrawRight(Fit(WithCode(doc.AmountDue), dueFont, totalsWidth - 90), dueFont, onPrimary, Right - 6, y + 6);
            y += dueHeight;
            y = Math.Max(y, top + taxHeight) + 22;
        }

        private const double TaxAmountWidth = 68;
        private const double TaxRateWidth = 40;

        /// <summary>Tax, rate, base and amount; long tax names wrap rather than push the figures out of line.</summary>
        private void DrawTaxSummary(double x, double width, IReadOnlyList<(DocumentTax Tax, List<string> Name)> rows)
        {
            Draw("TAX SUMMARY", caps, faint, x, y);
            y += LineHeight(caps) + 4;
            var amountRight = x + width;
            var baseRight = amountRight - TaxAmountWidth;
            var rateRight = baseRight - TaxAmountWidth;
            Draw("Tax", small, muted, x, y);
            DrawRight("Rate", small, muted, rateRight, y);
            DrawRight($"Base ({doc.Currency})", small, muted, baseRight, y);
            DrawRight($"Amount ({doc.Currency})", small, muted, amountRight, y);
            y += LineHeight(small) + 2;
            gfx.DrawLine(rule, x, y, amountRight, y);
            y += 4;
            foreach (var (tax, name) in rows)
            {
                DrawRight($"{tax.Rate.ToString("0.###", Inv)}%", body, ink, rateRight, y);
                DrawRightFit(Amount(tax.Base), baseRight, TaxAmountWidth - CellPad, y);
                DrawRightFit(Amount(tax.Amount), amountRight, TaxAmountWidth - CellPad, y);
                foreach (var line in name)
                {
                    Draw(line, body, ink, x, y);
                    y += LineHeight(body);
                }
                y += 5;
            }
        }

        // ---- notes ----

        private void DrawNotes()
        {
            if (!string.IsNullOrWhiteSpace(doc.ReverseChargeNote))
            {
                var lines = Wrap(doc.ReverseChargeNote, body, Width - 24);
                var height = lines.Count * LineHeight(body) + 16;
                EnsureRoom(height);
                gfx.DrawRectangle(shade, Left, y, Width, height);
                gfx.DrawRectangle(primary, Left, y, 3, height);
                var cy = y + 8;
                foreach (var line in lines)
                {
                    Draw(line, body, ink, Left + 14, cy);
                    cy += LineHeight(body);
                }
                y += height + 16;
            }

            if (doc.PricesIncludeTax)
            {
                EnsureRoom(LineHeight(small));
                Draw("Prices include tax.", small, muted, Left, y);
                y += LineHeight(small) + 14;
            }

            if (!string.IsNullOrWhiteSpace(doc.Notes))
            {
                EnsureRoom(LineHeight(caps) + 4 + LineHeight(body) * 2);
                Draw("NOTES", caps, faint, Left, y);
                y += LineHeight(caps) + 4;
                foreach (var line in Wrap(doc.Notes, body, Width))
                {
                    EnsureRoom(LineHeight(body));
                    if (line.Length > 0) Draw(line, body, ink, Left, y);
                    y += LineHeight(body);
                }
            }
        }

        // ---- text ----

        private static XFont Font(double size, bool bold = false) =>
            new(EmbeddedFontResolver.FamilyName, size, bold ? XFontStyleEx.Bold : XFontStyleEx.Regular, XPdfFontOptions.UnicodeDefault);

        private static double LineHeight(XFont font) => font.GetHeight();

        private void Draw(string text, XFont font, XBrush brush, double x, double top)
        {
            if (text.Length > 0) gfx.DrawString(text, font, brush, x, top, XStringFormats.TopLeft);
        }

        private void DrawRight(string text, XFont font, XBrush brush, double right, double top)
        {
            if (text.Length > 0) Draw(text, font, brush, right - gfx.MeasureString(text, font).Width, top);
        }

        /// <summary>A number in a table cell: shrunk rather than spilling into the neighbouring column.</summary>
        private void DrawRightFit(string text, double right, double maxWidth, double top, XFont? font = null)
        {
            font ??= body;
            var fitted = font;
            for (var size = font.Size; gfx.MeasureString(text, fitted).Width > maxWidth && size > 5.5; size -= 0.5)
                fitted = Font(size - 0.5, font.Bold);
            DrawRight(text, fitted, ink, right, top + (font.Size - fitted.Size));
        }

        /// <summary>Cuts a single-line value to <paramref name="maxWidth"/> with an ellipsis.</summary>
        private string Fit(string text, XFont font, double maxWidth)
        {
            if (gfx.MeasureString(text, font).Width <= maxWidth) return text;
            var elements = TextElements(text);
            for (var n = elements.Count - 1; n > 0; n--)
            {
                var candidate = string.Concat(elements.Take(n)).TrimEnd() + "…";
                if (gfx.MeasureString(candidate, font).Width <= maxWidth) return candidate;
            }
            return "…";
        }

        /// <summary>Breaks text into lines no wider than <paramref name="width"/>: at spaces, at explicit line breaks, and
        /// inside a word only when the word alone is wider than the line (long domain names, IBANs).</summary>
        private List<string> Wrap(string? text, XFont font, double width)
        {
            var lines = new List<string>();
            if (string.IsNullOrEmpty(text)) return lines;
            foreach (var paragraph in text.ReplaceLineEndings("\n").Replace('\t', ' ').Split('\n'))
            {
                var words = paragraph.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (words.Length == 0)
                {
                    lines.Add("");
                    continue;
                }
                var current = "";
                foreach (var word in words)
                {
                    var candidate = current.Length == 0 ? word : current + " " + word;
                    if (gfx.MeasureString(candidate, font).Width <= width)
                    {
                        current = candidate;
                        continue;
                    }
                    if (current.Length > 0) lines.Add(current);
                    current = "";
                    foreach (var element in TextElements(word))
                    {
                        if (current.Length > 0 && gfx.MeasureString(current + element, font).Width > width)
                        {
                            lines.Add(current);
                            current = "";
                        }
                        current += element;
                    }
                }
                if (current.Length > 0) lines.Add(current);
            }
            while (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
            return lines;
        }

        private static List<string> TextElements(string text)
        {
            var elements = new List<string>(text.Length);
            var e = StringInfo.GetTextElementEnumerator(text);
            while (e.MoveNext()) elements.Add(e.GetTextElement());
            return elements;
        }

        // ---- formats ----

        private string Amount(decimal value) => value.ToString("N" + digits, Inv);

        private string WithCode(decimal value) => $"{Amount(value)} {doc.Currency}";

        private static string Quantity(decimal value) => value.ToString("#,0.####", Inv);

        private static string Date(DateOnly date) => date.ToString("d MMM yyyy", Inv);

        private static string? Period(DateOnly? start, DateOnly? end) => (start, end) switch
        {
            ({ } s, { } e) => $"{Date(s)} – {Date(e)}",
            ({ } s, null) => $"From {Date(s)}",
            (null, { } e) => $"Until {Date(e)}",
            _ => null,
        };

        private static XColor? ParseColor(string? hex) =>
            hex is { Length: 7 } && hex[0] == '#' && int.TryParse(hex.AsSpan(1), NumberStyles.AllowHexSpecifier, Inv, out var rgb)
                ? XColor.FromArgb((rgb >> 16) & 0xFF, (rgb >> 8) & 0xFF, rgb & 0xFF)
                : null;

        /// <summary>White or ink, whichever contrasts more with the brand colour (WCAG relative luminance).</summary>
        private static XColor ReadableOn(XColor background)
        {
            static double Channel(byte c)
            {
                var s = c / 255.0;
                return s <= 0.03928 ? s / 12.92 : Math.Pow((s + 0.055) / 1.055, 2.4);
            }
            var luminance = 0.2126 * Channel(background.R) + 0.7152 * Channel(background.G) + 0.0722 * Channel(background.B);
            var withWhite = 1.05 / (luminance + 0.05);
            var withBlack = (luminance + 0.05) / 0.05;
            return withWhite >= withBlack ? XColors.White : Ink;
        }
    }
}
