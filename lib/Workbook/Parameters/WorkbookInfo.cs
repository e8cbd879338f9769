using System.Reflection;
using System.Text.RegularExpressions;

namespace PopHealth.Workbook;

/// <summary>Which build of the library a notebook loaded.</summary>
public static partial class WorkbookInfo
{
    /// <summary>Where the library was loaded from.</summary>
    public static string Location => typeof(WorkbookInfo).Assembly.Location;

    /// <summary>
    /// The package version the notebook's setup loaded (<c>#r "nuget: PopHealth.Workbook, &lt;version&gt;"</c>), read from the
    /// NuGet cache path (<c>…/pophealth.workbook/&lt;version&gt;/lib/net10.0/</c>); null when not loaded from a package.
    /// </summary>
    public static string? PackageVersion
    {
        get
        {
            var match = CachePath().Match(Location.Replace('\\', '/'));
            return match.Success ? match.Groups[1].Value : null;
        }
    }

    /// <summary>A build stamp baked into the assembly (<c>-p:WorkbookBuildStamp=…</c>); tests use it to tell builds apart.</summary>
    public static string BuildStamp =>
        typeof(WorkbookInfo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "WorkbookBuildStamp")?.Value
            ?? "";

    [GeneratedRegex(@"/pophealth\.workbook/([^/]+)/lib/", RegexOptions.IgnoreCase)]
    private static partial Regex CachePath();
}
