"""Executes one notebook through a real Jupyter client (nbclient) on the .NET kernel, as Jupyter users run it.

Usage: execute_notebook.py NOTEBOOK OUTPUT [TIMEOUT_SECONDS]
The notebook's outputs are cleared first; the kernel starts in the notebook's own folder (as Jupyter does); the
executed copy is written to OUTPUT. Prints one line "cells N, errors E" and exits 1 when any cell failed,
3 when nbclient is not installed (Debian: apt-get install python3-nbclient).
"""
import os
import sys

try:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
except ImportError as missing:
    print(f"nbclient is not installed ({missing}): apt-get install python3-nbclient", file=sys.stderr)
    sys.exit(3)


def main():
    path, output = sys.argv[1], sys.argv[2]
    timeout = int(sys.argv[3]) if len(sys.argv) > 3 else 600
    with open(path, encoding="utf-8") as f:
        notebook = nbformat.reads(f.read(), as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    kernel = notebook.metadata.get("kernelspec", {}).get("name", ".net-csharp")
    client = NotebookClient(notebook, timeout=timeout, kernel_name=kernel,
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
    failed = None
    try:
        client.execute()
    except CellExecutionError as error:  # raised at the first failing cell; the outputs so far are kept
        failed = str(error).splitlines()[0] if str(error) else "a cell failed"
    code = [c for c in notebook.cells if c.cell_type == "code"]
    errors = sum(1 for c in code for o in c.outputs if o.get("output_type") == "error")
    nbformat.write(notebook, output)
    print(f"cells {len(code)}, errors {errors}" + (f", first: {failed}" if failed else ""))
    sys.exit(1 if errors or failed else 0)


if __name__ == "__main__":
    main()
