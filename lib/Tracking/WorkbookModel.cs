namespace PopHealth.Tracking;

/// <summary>The registered model the workbook trains and scores with (README, "Outputs"): its name, its alias, its URI.</summary>
public static class WorkbookModel
{
    public const string Name = "pophealth-rfhlth";
    public const string Alias = "prod";
    /// <summary><c>models:/pophealth-rfhlth@prod</c>: what 06-infer scores with by default.</summary>
    public const string ProductionUri = "models:/" + Name + "@" + Alias;
}
