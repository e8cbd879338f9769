using PopHealth.Studies;

// Model studies: `small-area prepare|run|report|full` (see studies/small-area/run-validation.sh).
if (args.Length < 2 || args[0] != "small-area")
{
    Console.Error.WriteLine("usage: PopHealth.Studies small-area prepare|run|report|full [options] (see studies/small-area/run-validation.sh)");
    return 2;
}
return await SmallAreaStudy.RunAsync(args[1], args[2..]);
