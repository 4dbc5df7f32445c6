using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace MPanel.Tests.Support;

/// <summary>A loopback TCP forwarder put between MPanel and a shared service (the agent, the PowerDNS API) so that a test
/// can take "the service" down without stopping the real one other tests use. <see cref="Mode"/>:
/// Up pipes every connection to the target; Hold accepts connections and keeps them waiting (a service that hangs);
/// Down resets every open connection and every new one (a service that is gone).</summary>
public sealed class TcpForwarder : IAsyncDisposable
{
    public enum State { Up, Hold, Down }

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<TcpClient, byte> _open = new();
    private readonly ConcurrentQueue<TcpClient> _held = new();
    private volatile State _state = State.Up;
    private int _accepted, _refused;

    public TcpForwarder(int targetPort)
    {
        _target = new IPEndPoint(IPAddress.Loopback, targetPort);
        _listener.Start();
        _ = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public string Url => $"http://127.0.0.1:{Port}";
    /// <summary>Connections accepted so far (whatever happened to them).</summary>
    public int Accepted => Volatile.Read(ref _accepted);
    /// <summary>Connections reset because the service was down.</summary>
    public int Refused => Volatile.Read(ref _refused);
    public int Held => _held.Count;
    public State Mode => _state;

    public void Hold() => _state = State.Hold;

    /// <summary>Down: resets the held and open connections (pooled keep-alive ones too) and every new one.</summary>
    public void Down()
    {
        _state = State.Down;
        while (_held.TryDequeue(out var held)) Reset(held);
        foreach (var open in _open.Keys) Reset(open);
    }

    public void Up()
    {
        _state = State.Up;
        while (_held.TryDequeue(out var held)) _ = PipeAsync(held);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch { return; }
            Interlocked.Increment(ref _accepted);
            switch (_state)
            {
                case State.Down: Reset(client); break;
                case State.Hold:
                    _held.Enqueue(client);
                    if (_state == State.Up && _held.TryDequeue(out var again)) _ = PipeAsync(again); // switched while queueing
                    else if (_state == State.Down) Down();
                    break;
                default: _ = PipeAsync(client); break;
            }
        }
    }

    private async Task PipeAsync(TcpClient client)
    {
        _open[client] = 0;
        using var upstream = new TcpClient();
        try
        {
            await upstream.ConnectAsync(_target, _stop.Token);
            _open[upstream] = 0;
            await using var a = client.GetStream();
            await using var b = upstream.GetStream();
            await Task.WhenAny(CopyAsync(a, b), CopyAsync(b, a));
        }
        catch
        {
            // A reset or a stop ends the pipe.
        }
        finally
        {
            _open.TryRemove(client, out _);
            _open.TryRemove(upstream, out _);
            client.Dispose();
        }
    }

    private async Task CopyAsync(Stream from, Stream to)
    {
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0) await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
    }

    private void Reset(TcpClient client)
    {
        Interlocked.Increment(ref _refused);
        try
        {
            client.Client.LingerState = new LingerOption(true, 0); // RST, like a crashed process's port
            client.Client.Close();
        }
        catch
        {
            // Already gone.
        }
        _open.TryRemove(client, out _);
    }

    private int _disposed;

    /// <summary>Stops listening and closes every connection; safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _stop.CancelAsync();
        _listener.Stop();
        foreach (var open in _open.Keys) open.Dispose();
        while (_held.TryDequeue(out var held)) held.Dispose();
    }
}
