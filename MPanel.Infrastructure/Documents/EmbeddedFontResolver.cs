using System.Collections.Concurrent;
using System.Reflection;
using PdfSharp.Drawing;
using PdfSharp.Fonts;

namespace MPanel.Infrastructure.Documents;

/// <summary>Serves PDFsharp the DejaVu Sans faces embedded in this assembly (Documents/Fonts, Bitstream Vera licence in
/// LICENSE-DejaVu.txt), so rendering never depends on the fonts installed on the machine. Every family resolves to
/// DejaVu Sans; bold asks for the bold face, italic is simulated (no oblique face is shipped).</summary>
public sealed class EmbeddedFontResolver : IFontResolver
{
    /// <summary>The family name documents ask for. Any other name resolves to the same faces.</summary>
    public const string FamilyName = "DejaVu Sans";

    private const string RegularFace = "DejaVuSans";
    private const string BoldFace = "DejaVuSans-Bold";

    private static readonly EmbeddedFontResolver Instance = new();
    private static readonly Lock RegistrationLock = new();
    private static volatile bool registered;

    private readonly ConcurrentDictionary<string, byte[]> faces = new(StringComparer.Ordinal);

    private EmbeddedFontResolver() { }

    /// <summary>Installs the resolver as PDFsharp's process-wide font resolver. PDFsharp allows one resolver per
    /// process, set before the first font is used; this is safe to call any number of times from any thread (every
    /// renderer and every test host calls it) and installs the one shared instance exactly once.</summary>
    /// <exception cref="InvalidOperationException">Another component has installed a different font resolver.</exception>
    public static void EnsureRegistered()
    {
        if (registered) return;
        lock (RegistrationLock)
        {
            if (registered) return;
            switch (GlobalFontSettings.FontResolver)
            {
                case null:
                    GlobalFontSettings.FontResolver = Instance;
                    break;
                case EmbeddedFontResolver:
                    break;
                case var other:
                    throw new InvalidOperationException(
                        $"PDFsharp already uses the font resolver {other.GetType().FullName}; MPanel's documents need {nameof(EmbeddedFontResolver)}, and PDFsharp allows only one per process.");
            }
            registered = true;
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
        new(bold ? BoldFace : RegularFace, italic ? XStyleSimulations.ItalicSimulation : XStyleSimulations.None);

    public byte[]? GetFont(string faceName) =>
        faceName is RegularFace or BoldFace ? faces.GetOrAdd(faceName, Load) : null;

    private static byte[] Load(string faceName)
    {
        var name = $"MPanel.Fonts.{faceName}.ttf";
        using var stream = typeof(EmbeddedFontResolver).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The font resource {name} is missing from {Assembly.GetExecutingAssembly().GetName().Name}.");
        using var buffer = new MemoryStream((int)stream.Length);
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
