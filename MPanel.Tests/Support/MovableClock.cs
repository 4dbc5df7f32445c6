namespace MPanel.Tests.Support;

/// <summary>A <see cref="TimeProvider"/> whose "now" moves only when a test says so (timers still run on real time).
/// Starts at the real current time, so data written before and after a move stays plausible.</summary>
public sealed class MovableClock : TimeProvider
{
    private long _ticks = DateTimeOffset.UtcNow.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
