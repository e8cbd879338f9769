using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using PopHealth.Workbook;

namespace PopHealth.Tracking;

/// <summary>
/// The process that holds a claim marker or runs a run: machine name, process id and the process's start time (UTC), kept
/// as JSON (<c>{"machine": …, "pid": …, "process_started": "…Z"}</c>). The start time tells a live owner from a later,
/// unrelated process that was given the same id.
/// </summary>
internal sealed record ProcessOwner(string Machine, int Pid, DateTime ProcessStarted)
{
    public static ProcessOwner Current { get; } = OfCurrentProcess();

    private static ProcessOwner OfCurrentProcess()
    {
        using var self = Process.GetCurrentProcess();
        return new ProcessOwner(Environment.MachineName, Environment.ProcessId, self.StartTime.ToUniversalTime());
    }

    public string ToJson() => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["machine"] = Machine, ["pid"] = Pid, ["process_started"] = ProcessStarted.ToString("O", CultureInfo.InvariantCulture),
    });

    /// <summary>The owner written in <paramref name="json"/>, or null when it is not an owner record.</summary>
    public static ProcessOwner? TryParse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("machine", out var machine) && machine.ValueKind == JsonValueKind.String
                && root.TryGetProperty("pid", out var pid) && pid.TryGetInt32(out var id)
                && root.TryGetProperty("process_started", out var started) && started.ValueKind == JsonValueKind.String
                && DateTime.TryParse(started.GetString(), CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var start))
                return new ProcessOwner(machine.GetString()!, id, start);
        }
        catch (JsonException)
        {
        }
        return null;
    }

    /// <summary>Reads an owner file; one that is not an owner record is a store error naming it.</summary>
    public static ProcessOwner Read(string path) => TryParse(File.ReadAllText(path)) ?? throw StoreError.Malformed(path,
        "not an owner record ({\"machine\": …, \"pid\": …, \"process_started\": …}); delete it if no process is writing this run.");

    /// <summary>
    /// True only when this machine shows the owner is gone: no process has its id, or the process with its id started at
    /// another time. An owner on another machine, or one this process may not inspect, is taken as alive.
    /// </summary>
    public bool IsGone()
    {
        if (!string.Equals(Machine, Environment.MachineName, StringComparison.OrdinalIgnoreCase)) return false;
        if (Pid == Environment.ProcessId) return (ProcessStarted - Current.ProcessStarted).Duration() > LocalProcesses.ClockTolerance;
        if (!LocalProcesses.TryGetStart(Pid, out var started)) return true; // no process with this id
        return started is { } start && (start - ProcessStarted).Duration() > LocalProcesses.ClockTolerance; // not ours to inspect: assume alive
    }
}
