using System.Globalization;
using PopHealth.Runner;

// Usage: dotnet run --project notebooks/Runner [-- <notebook> ...] [--notebooks DIR] [--timeout MINUTES] [--refresh-rendered]
// With no names, runs all seven notebooks in order. Parameters come from POPHEALTH_* (see README); --help lists the
// options and exit codes (RunnerArguments.Usage).
// The runner's watchdog is this program started again with a hidden first argument (see RunnerGuard, Guardian).
if (args is [RunnerGuard.GuardianArgument, var runner] && int.TryParse(runner, NumberStyles.None, CultureInfo.InvariantCulture, out var runnerId))
    return await Guardian.RunAsync(runnerId, Console.In, Console.Error);
return await RunnerCommand.RunAsync(args, Console.Out, Console.Error);
