using Hangfire.Logging;
using Microsoft.Extensions.Logging;
using HangfireLogLevel = Hangfire.Logging.LogLevel;
using MsLogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace MPanel.Infrastructure.Jobs;

/// <summary>Hangfire's logging is process-global and caches loggers in static fields, while logger factories belong
/// to a host. This provider forwards to the host's factory and goes quiet instead of throwing once that host is gone
/// (a restarted host, or the many hosts of the test suite).</summary>
internal sealed class HostLogProvider(ILoggerFactory factory) : ILogProvider
{
    public ILog GetLogger(string name)
    {
        try
        {
            return new ForwardingLog(factory.CreateLogger(name));
        }
        catch (ObjectDisposedException)
        {
            return new ForwardingLog(null);
        }
    }

    private sealed class ForwardingLog(Microsoft.Extensions.Logging.ILogger? logger) : ILog
    {
        public bool Log(HangfireLogLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
        {
            if (logger is null) return false;
            var level = logLevel switch
            {
                HangfireLogLevel.Trace => MsLogLevel.Trace,
                HangfireLogLevel.Debug => MsLogLevel.Debug,
                HangfireLogLevel.Info => MsLogLevel.Information,
                HangfireLogLevel.Warn => MsLogLevel.Warning,
                HangfireLogLevel.Error => MsLogLevel.Error,
                _ => MsLogLevel.Critical,
            };
            try
            {
                if (messageFunc is null) return logger.IsEnabled(level);
                if (logger.IsEnabled(level)) logger.Log(level, 0, exception, "{Message}", messageFunc());
                return true;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }
}
