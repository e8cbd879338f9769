"""Prints "<conversion s> <cells s>" for an executed 01-convert notebook: the conversion's own stopwatch (the 'seconds'
row of the report 01 displays) and the summed time of every cell from the one calling ConvertStep to the end, from the
start and end times dotnet-repl records in each cell's metadata."""
import datetime, json, re, sys

notebook = json.load(open(sys.argv[1]))
conversion = re.search(r"<td>seconds</td><td>([0-9.]+)</td>", json.dumps(notebook)).group(1)

def moment(text):
    text = re.sub(r"(\.\d{6})\d*", r"\1", text)  # Python reads at most microseconds
    return datetime.datetime.fromisoformat(text)

total, counting = 0.0, False
for cell in notebook["cells"]:
    if cell.get("cell_type") != "code":
        continue
    counting = counting or "ConvertStep.RunAsync" in "".join(cell.get("source", []))
    meta = cell.get("metadata", {})
    if counting and "dotnet_repl_cellExecutionStartTime" in meta:
        total += (moment(meta["dotnet_repl_cellExecutionEndTime"]) - moment(meta["dotnet_repl_cellExecutionStartTime"])).total_seconds()
print(conversion, f"{total:.2f}")
