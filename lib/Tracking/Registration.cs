namespace PopHealth.Tracking;

/// <summary>Stage 6, register: the final MLflow run, the registered version and the training charts saved in the run.</summary>
/// <param name="Recalibrated">With several survey years: the version recalibrated for the latest year, registered after
/// <paramref name="Version"/>.</param>
public sealed record Registration(RegisteredVersion Version, string FinalRunId, IReadOnlyList<(string Name, string Folder)> ChartFiles,
    RegisteredVersion? Recalibrated = null)
{
    /// <summary>
    /// Whether the alias moved to this run's version, and why (<see cref="PromotionGate"/>); null for a registration
    /// made without the gate.
    /// </summary>
    public PromotionDecision? Promotion { get; init; }

    /// <summary>The version this run put forward for the alias; it holds the alias only when <see cref="Promotion"/> promoted it.</summary>
    public required RegisteredVersion Production { get; init; }

    /// <summary>The versions this run registered: URI, aliases, role (tag) and artifact folder within the run.</summary>
    public IReadOnlyList<VersionLine> Versions() => new[] { Version, Recalibrated }.OfType<RegisteredVersion>()
        .Select(v => new VersionLine($"models:/{v.Name}/{v.Version}", string.Join(", ", v.Aliases), v.Tags.GetValueOrDefault("pophealth.role", ""),
            Path.GetFileName(v.ArtifactDirectory))).ToArray();
}

/// <summary>A registered version, as 04 lists them.</summary>
public sealed record VersionLine(string Model, string Aliases, string Role, string Artifacts);
