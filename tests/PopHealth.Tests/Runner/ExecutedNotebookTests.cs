using System.Text.Json.Nodes;
using PopHealth.Runner;
using static PopHealth.Tests.NotebookJson;

namespace PopHealth.Tests.Runner;

[Trait("Category", "Unit")]
public class ExecutedNotebookTests
{
    private static JsonObject Html(string html) =>
        new() { ["output_type"] = "display_data", ["data"] = new JsonObject { ["text/html"] = new JsonArray(html) } };

    [Fact]
    public void The_first_error_is_reported_with_its_cell_number_and_first_line()
    {
        using var temp = Repo.Temp();
        var path = Write(temp, [
            new JsonObject { ["cell_type"] = "markdown", ["source"] = "# Title" },
            Code("var x = 1;", Html("<b>1</b>")),
            Code("\n// load the data\nLoad();", new JsonObject { ["output_type"] = "error", ["ename"] = "Error", ["evalue"] = "CS0103: Load\n" }),
            Code("Later();", new JsonObject { ["output_type"] = "error", ["ename"] = "Error", ["evalue"] = "later" }),
        ]);
        var failure = ExecutedNotebook.Load(path).FirstFailure();
        Assert.Equal(new CellFailure(3, "// load the data", "Error", "CS0103: Load"), failure);
    }

    [Fact]
    public void A_workbook_refusal_keeps_its_message_once_the_errors_after_it_say_so_and_a_bug_keeps_its_trace()
    {
        using var temp = Repo.Temp();
        var path = Write(temp, [
            Code("var step = await ConvertStep.RunAsync(parameters);",
                Error("System.IO.InvalidDataException: x.xpt: cannot tell the BRFSS year.\nSet POPHEALTH_INPUT to a BRFSS file.\n" +
                    "   at PopHealth.Ingest.BrfssYearProfile.Detect()\n--- End of stack trace from previous location ---\n" +
                    "   at Submission#6.MoveNext()")),
            Code("step.Report",
                Error("System.NullReferenceException: Object reference not set to an instance of an object.\n   at Submission#7.MoveNext()")),
        ]);
        var notebook = ExecutedNotebook.Load(path);
        Assert.Equal(2, notebook.TidyErrors());
        var outputs = JsonNode.Parse(notebook.ToJson())!["cells"]!.AsArray().Select(c => c!["outputs"]![0]!).ToArray();
        Assert.Equal("InvalidDataException", (string?)outputs[0]["ename"]);
        Assert.Equal("x.xpt: cannot tell the BRFSS year.\nSet POPHEALTH_INPUT to a BRFSS file.", (string?)outputs[0]["evalue"]);
        Assert.Empty(outputs[0]["traceback"]!.AsArray());
        Assert.Equal("not meaningful: cell 1 failed first (System.NullReferenceException: Object reference not set to an instance of an object.)",
            (string?)outputs[1]["evalue"]);
        Assert.Equal(new CellFailure(1, "var step = await ConvertStep.RunAsync(parameters);", "InvalidDataException",
            "x.xpt: cannot tell the BRFSS year.\nSet POPHEALTH_INPUT to a BRFSS file."), notebook.FirstFailure());

        // An error that is not one of the workbook's refusals is a bug: its trace is what a developer needs.
        var bug = Write(temp, [Code("Boom();", Error("System.InvalidOperationException: boom\n   at Boom()"))]);
        var buggy = ExecutedNotebook.Load(bug);
        Assert.Equal(0, buggy.TidyErrors());
        Assert.Contains("   at Boom()", buggy.FirstFailure()!.Message);
    }

    [Fact]
    public void No_error_outputs_means_no_failure()
    {
        using var temp = Repo.Temp();
        Assert.Null(ExecutedNotebook.Load(Write(temp, [Code("1+1", Html("2"))])).FirstFailure());
    }

    [Fact]
    public void Restore_progress_is_removed_and_results_kept()
    {
        using var temp = Repo.Temp();
        var path = Write(temp, [Code("#r \"nuget: X\"",
            Html("<div><div><strong>Restore sources</strong></div></div>"),
            Html("<div><div></div><div><strong>Installing Packages</strong><ul><li>X.</li></ul></div></div>"),
            Html("<div><strong>Installed Packages</strong></div>"),
            new JsonObject { ["output_type"] = "display_data",
                ["data"] = new JsonObject { ["text/plain"] = new JsonArray("Loading extension script from `x`") } },
            Html("<table>result</table>"))]);
        var notebook = ExecutedNotebook.Load(path);
        Assert.Equal(4, notebook.RemoveRestoreProgress());
        var outputs = JsonNode.Parse(notebook.ToJson())!["cells"]![0]!["outputs"]!.AsArray();
        Assert.Contains("result", Assert.Single(outputs)!.ToJsonString());
    }

    private static JsonObject Plain(string text) =>
        new() { ["output_type"] = "display_data", ["data"] = new JsonObject { ["text/plain"] = new JsonArray(text) } };

    [Fact]
    public void A_progress_line_updated_in_place_keeps_only_its_final_state()
    {
        using var temp = Repo.Temp();
        var path = Write(temp, [Code("var status = display(\"starting\");",
            Plain("starting"), Plain("1/63 fits"), Plain("63/63 fits"),
            new JsonObject { ["output_type"] = "stream", ["name"] = "stdout", ["text"] = "done" },
            Html("<table>a</table>"), Plain("second line, kept"), Html("<table>b</table>"))]);
        var notebook = ExecutedNotebook.Load(path);
        Assert.Equal(2, notebook.CollapseProgressUpdates());
        var outputs = JsonNode.Parse(notebook.ToJson())!["cells"]![0]!["outputs"]!.AsArray().Select(o => o!.ToJsonString()).ToArray();
        Assert.Equal(5, outputs.Length);
        Assert.Contains("63/63 fits", outputs[0]);
        Assert.Contains("second line, kept", outputs[3]);
    }

    [Fact]
    public void A_file_that_is_not_a_notebook_is_named_in_the_error()
    {
        using var temp = Repo.Temp();
        var path = temp.File("broken.ipynb");
        File.WriteAllText(path, "{ not json");
        var error = Assert.Throws<InvalidDataException>(() => ExecutedNotebook.Load(path));
        Assert.Contains("broken.ipynb", error.Message);
    }

    [Fact]
    public void Cells_get_stable_ids_and_code_cells_execution_counts_in_order()
    {
        using var temp = Repo.Temp();
        var path = Write(temp, [
            new JsonObject { ["cell_type"] = "markdown", ["source"] = "# Title" },
            Code("1+1", new JsonObject { ["output_type"] = "execute_result", ["data"] = new JsonObject(), ["execution_count"] = null }),
            new JsonObject { ["cell_type"] = "markdown", ["source"] = "more" },
            Code("Fail();", new JsonObject { ["output_type"] = "error", ["ename"] = "Error", ["evalue"] = "x" }),
        ]);
        var notebook = ExecutedNotebook.Load(path);
        notebook.NumberCells("02 explore");
        var cells = JsonNode.Parse(notebook.ToJson())!["cells"]!.AsArray();
        Assert.Equal(["02-explore-0", "02-explore-1", "02-explore-2", "02-explore-3"], cells.Select(c => (string?)c!["id"]));
        Assert.Equal([null, 1, null, 2], cells.Select(c => (int?)c!["execution_count"]));
        Assert.Equal(1, (int?)cells[1]!["outputs"]![0]!["execution_count"]);
        Assert.Empty(cells[3]!["outputs"]![0]!["traceback"]!.AsArray()); // the schema requires one
    }

    [Fact]
    public void Machine_paths_become_data_and_repository_relative_paths_in_every_output()
    {
        using var temp = Repo.Temp();
        var root = temp.File("checkout");
        var data = temp.File("checkout/data");
        var path = Write(temp, [Code("parameters",
            Html($"<td>{data}</td><td>{data}/interim/brfss.parquet</td><td>{root}/plots/roc.png</td><td>{root}</td>" +
                $"<td>{root}-other/x</td><td>{data}2/y</td>"),
            new JsonObject { ["output_type"] = "stream", ["name"] = "stdout", ["text"] = $"wrote {data}/scored.csv\n" },
            new JsonObject { ["output_type"] = "display_data",
                ["data"] = new JsonObject { ["text/plain"] = new JsonArray($"{root}/artifacts/feed") } })]);
        var notebook = ExecutedNotebook.Load(path);
        Assert.Equal(7, notebook.HideMachinePaths(root, data));
        var outputs = JsonNode.Parse(notebook.ToJson())!["cells"]![0]!["outputs"]!.AsArray();
        Assert.Equal($"<td>&lt;data&gt;</td><td>&lt;data&gt;/interim/brfss.parquet</td><td>plots/roc.png</td><td>.</td>" +
            $"<td>{root}-other/x</td><td>data2/y</td>",
            (string?)outputs[0]!["data"]!["text/html"]![0]);
        Assert.Equal("wrote <data>/scored.csv\n", (string?)outputs[1]!["text"]);
        Assert.Equal("artifacts/feed", (string?)outputs[2]!["data"]!["text/plain"]![0]);
    }

    [Fact]
    public void Chart_outputs_get_their_embedded_png_as_an_image_entry()
    {
        using var temp = Repo.Temp();
        var chart = "<div class=\"pophealth-static\"><img alt=\"chart\" " +
            "src=\"data:image/png;base64,iVBORw0KGgo=\"/></div><script>x</script><div>plot</div>";
        var path = Write(temp, [Code("chart", Html(chart), Html("<table>not a chart</table>"))]);
        var notebook = ExecutedNotebook.Load(path);
        Assert.Equal(1, notebook.AddChartImages());
        var outputs = JsonNode.Parse(notebook.ToJson())!["cells"]![0]!["outputs"]!.AsArray();
        Assert.Equal("iVBORw0KGgo=", (string?)outputs[0]!["data"]!["image/png"]);
        // the HTML keeps its picture for viewers that strip scripts
        Assert.Contains("pophealth-static", outputs[0]!["data"]!["text/html"]!.ToJsonString());
        Assert.Null(outputs[1]!["data"]!["image/png"]);
    }
}
