namespace PopHealth.Modeling;

/// <summary>Stage 5, model card: permutation importance, subgroup metrics and the intersectional audit on the headline test set.</summary>
public sealed record ModelCardReport(IReadOnlyList<FeatureImportance> Importance, IReadOnlyList<SubgroupMetrics> Subgroups, FairnessAuditReport Audit,
    ShapSummary? Shap);
