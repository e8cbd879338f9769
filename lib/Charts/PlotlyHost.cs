using System.Reflection;
using System.Runtime.Loader;
using PopHealth.Workbook;

namespace PopHealth.Charts;

/// <summary>
/// Loads the Plotly.NET adapter (<c>PopHealth.Charts.Plotly.dll</c> with Plotly.NET and FSharp.Core 10.1)
/// into its own AssemblyLoadContext and calls it through a plain delegate. The notebook kernels here
/// ship FSharp.Core 10.0, which Plotly.NET 6 cannot run on (DESIGN §4); isolation lets both coexist.
/// </summary>
public static class PlotlyHost
{
    public const string AdapterAssembly = "PopHealth.Charts.Plotly";

    private static readonly Lazy<Assembly> Adapter = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<Func<string, string, bool, string>> Renderer = new(() => Method<Func<string, string, bool, string>>("Render"));
    private static readonly Lazy<Func<bool, string>> ScriptSource = new(() => Method<Func<bool, string>>("Script"));

    /// <summary>The folder the adapter was loaded from (after the first chart).</summary>
    public static string? AdapterDirectory { get; private set; }

    internal static string Render(string figureJson, PlotlyScript script, bool document) =>
        Renderer.Value(figureJson, script.ToString().ToLowerInvariant(), document);

    /// <summary>
    /// The plotly.js library Plotly.NET embeds (minified), to inline once in a page that draws several figures offline;
    /// with <paramref name="licence"/>, its licence notice instead (MIT), which such a page carries beside it.
    /// </summary>
    public static string PlotlyJs(bool licence = false) => ScriptSource.Value(licence);

    /// <summary>
    /// Where the adapter folder may be: beside this assembly (build output), or at the package root
    /// (<c>lib/net10.0/../../plotly</c>), or where <see cref="WorkbookVariables.PlotlyDirectory"/> points.
    /// </summary>
    public static IReadOnlyList<string> CandidateDirectories()
    {
        var here = Path.GetDirectoryName(typeof(PlotlyHost).Assembly.Location) ?? AppContext.BaseDirectory;
        var candidates = new List<string>();
        if (WorkbookVariables.Read(WorkbookVariables.PlotlyDirectory) is { } overridden)
            candidates.Add(Path.GetFullPath(overridden));
        candidates.Add(Path.Combine(here, "plotly"));
        candidates.Add(Path.GetFullPath(Path.Combine(here, "..", "..", "plotly")));
        return candidates;
    }

    private static T Method<T>(string name) where T : Delegate =>
        Adapter.Value.GetType("PopHealth.Charts.Plotly.PlotlyRenderer", throwOnError: true)!
            .GetMethod(name, BindingFlags.Public | BindingFlags.Static)!.CreateDelegate<T>();

    private static Assembly Load()
    {
        var candidates = CandidateDirectories();
        var directory = candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, AdapterAssembly + ".dll")))
            ?? throw new FileNotFoundException(
                $"The Plotly adapter ({AdapterAssembly}.dll) was not found. Looked in: {string.Join(", ", candidates)}. " +
                "Build lib/PopHealth.Workbook.csproj, which publishes it into <output>/plotly/.");
        var context = new AdapterLoadContext(directory);
        var assembly = context.LoadFromAssemblyPath(Path.Combine(directory, AdapterAssembly + ".dll"));
        AdapterDirectory = directory;
        return assembly;
    }

    /// <summary>Resolves every assembly the adapter's folder holds from that folder; the rest (the framework) from the default context.</summary>
    private sealed class AdapterLoadContext(string directory) : AssemblyLoadContext("PopHealth.Charts.Plotly", isCollectible: false)
    {
        private readonly AssemblyDependencyResolver resolver = new(Path.Combine(directory, AdapterAssembly + ".dll"));

        protected override Assembly? Load(AssemblyName name)
        {
            var path = resolver.ResolveAssemblyToPath(name);
            if (path is null)
            {
                var local = Path.Combine(directory, name.Name + ".dll");
                path = File.Exists(local) ? local : null;
            }
            return path is null ? null : LoadFromAssemblyPath(path);
        }

        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
        {
            var path = resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
            return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
        }
    }
}
