"""Prints "<conversion s> <cells s>" for an executed 01-convert notebook: the conversion's own stopwatch (the 'seconds'
row of the report 01 displays) and the summed time of every cell from the one calling ConvertStep to the end, from the
start and end times dotnet-repl records in each cell's metadata. With "--from TEXT NOTEBOOK" it prints only the summed
time of the cells from the first one whose source holds TEXT to the end (any notebook)."""
import datetime, json, re, sys

start_text = "ConvertStep.RunAsync"
if sys.argv[1] == "--from":
    start_text, path = sys.argv[2], sys.argv[3]
else:
    path = sys.argv[1]
notebook = json.load(open(path))
match = re.search(r"<td>seconds</td><td>([0-9.]+)</td>", json.dumps(notebook)) if start_text == "ConvertStep.RunAsync" else None
conversion = match.group(1) if match else None

def moment(text):
    text = re.sub(r"(\.\d{6})\d*", r"\1", text)  # Python reads at most microseconds
    return datetime.datetime.fromisoformat(text)

total, counting = 0.0, False
for cell in notebook["cells"]:
    if cell.get("cell_type") != "code":
        continue
    counting = counting or start_text in "".join(cell.get("source", []))
    meta = cell.get("metadata", {})
    if counting and "dotnet_repl_cellExecutionStartTime" in meta:
        total += (moment(meta["dotnet_repl_cellExecutionEndTime"]) - moment(meta["dotnet_repl_cellExecutionStartTime"])).total_seconds()
print(f"{total:.2f}" if conversion is None else f"{conversion} {total:.2f}")
