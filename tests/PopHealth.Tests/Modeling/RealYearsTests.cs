using System.Collections;
using PopHealth.Features;
using PopHealth.Modeling;
using PopHealth.Steps;
using PopHealth.Workbook;

namespace PopHealth.Tests.Modeling;

/// <summary>
/// The three shipped national extracts (2022–2024) as users run them: 01 with several sources and their years, 03, and
/// the train step's plan; then a fixed LightGBM setting judged within 2024 and a year later (trained on 2022+2023).
/// </summary>
[Trait("Category", "RealData")]
public class RealYearsTests
{
    private static readonly string[] Files = ["brfss2022_llcp_national_20vars.zip", "brfss2023_llcp_national_20vars.zip",
        "brfss2024_llcp_national_20vars.zip"];

    [Fact]
    public async Task Three_national_years_pool_and_a_model_trained_on_two_holds_up_on_the_third()
    {
        using var temp = Repo.Temp();
        var sep = Path.PathSeparator.ToString();
        var parameters = WorkbookParameters.FromEnvironment(new Hashtable
        {
            ["POPHEALTH_DATA"] = temp.Path, ["POPHEALTH_INPUT"] = string.Join(sep, Files.Select(RealData.Extract)),
            ["POPHEALTH_YEAR"] = string.Join(sep, "2022", "2023", "2024"),
        }, temp.Path);
        var converted = await ConvertStep.RunAsync(parameters);
        Assert.Equal(["LLCP2022-grouped", "LLCP2023-grouped", "LLCP2024-grouped"], converted.Reports.Select(r => r.Profile.Name));
        Assert.Equal([445_132L, 433_323L, 457_670L], converted.Reports.Select(r => r.Rows));
        var features = await TransformStep.RunAsync(parameters);
        Assert.Contains("health_coverage", features.FeatureNames);
        Assert.DoesNotContain(features.FeatureNames, f => f.Contains("PHYS") || f.Contains("MENT") || f.Contains("POORHLTH"));
        var years = features.Values(FeatureSet.SurveyYear);
        Assert.Equal([2022.0, 2023.0, 2024.0], years.Select(y => y!.Value).Distinct().Order());
        Assert.Equal(1_336_125, features.Accounting.Single(a => a.Step == "source rows").Rows);
        Assert.Equal(363_920 + 80_014, years.Count(y => y == 2022)); // _RFHLTH 1 and 2 of 2022 (9 dropped)
        Assert.Equal(366_237 + 90_123, years.Count(y => y == 2024));

        var plan = await TrainStep.PlanAsync(parameters);
        Assert.NotNull(plan.Years);
        Assert.All(plan.Split.Test, i => Assert.Equal(2024, plan.Years![i])); // the headline test is 2024's holdout
        // The next-year question only (one fit, to keep CI short): trained on 2022+2023, tested on all of 2024,
        // recalibrated on a seeded 5 % labelled sample of 2024 and measured on the other 95 %.
        var spec = new ModelSpec(TrainerKind.LightGbm, 200, 31, LearningRate: 0.05, MinLeaf: 50);
        var earlier = Enumerable.Range(0, plan.Years!.Length).Where(i => plan.Years[i] < 2024).ToArray();
        var latestRows = Enumerable.Range(0, plan.Years.Length).Where(i => plan.Years[i] == 2024).ToArray();
        var model = TrainedModel.Fit(plan.Data.Subset(earlier), spec, plan.Seed);
        var latest = YearValidation.Measure(model, plan.Data.Subset(latestRows), 2024, "2022+2023", earlier.Length, plan.Seed, threshold: 0.3,
            calibrationShare: 0.05);
        Console.WriteLine($"2022+2023 -> 2024: AUC {latest.Report.Auc:F4}, calibration {latest.Report.CalibrationInTheLarge:F4}, " +
            $"recalibrated {latest.Recalibrated:F4}");
        Assert.True(latest.Report.Auc >= 0.810, $"2022+2023 → 2024 AUC {latest.Report.Auc:F4}");
        Assert.True(latest.Report.CalibrationInTheLarge < 0, "prevalence rose: last year's model should under-predict");
        Assert.True(Math.Abs(latest.Recalibrated) <= 0.003, $"recalibrated calibration in the large {latest.Recalibrated:F4}");

        // 04's recalibrated version (stage 4c): the same setting fitted on the plan's training rows (2022, 2023 and 80 % of 2024),
        // recalibrated on 2024's training respondents, judged on the 2024 holdout before and after.
        var train = plan.Data.Subset(plan.Split.Train);
        var pooled = TrainedModel.Fit(train, spec, plan.Seed).WithScoringInfo(0.3, train);
        var chosen = new ChosenModel(new TrialResult(0, "fixed", spec, double.NaN, 0, [], 0), 0.3, pooled);
        var recalibration = TrainStep.Recalibrate(plan, chosen, TrainStep.Evaluate(plan, chosen))!;
        Console.WriteLine(recalibration.Summary);
        Console.WriteLine($"2024 holdout: AUC {recalibration.Before.Auc:F4}, " +
            $"Brier {recalibration.Before.Brier:F4} -> {recalibration.After.Brier:F4}");
        Assert.Equal(2024, recalibration.Recalibrated.Target.Year);
        Assert.True(recalibration.Recalibrated.OddsFactor > 1, "the pooled years' prevalence is below 2024's");
        Assert.True(recalibration.Recalibrated.Supported, recalibration.Recalibrated.Evidence); // so prod goes to the recalibrated version
        Assert.True(Math.Abs(recalibration.After.CalibrationInTheLarge) < Math.Abs(recalibration.Before.CalibrationInTheLarge));
        Assert.True(Math.Abs(recalibration.After.CalibrationInTheLarge) <= 0.003, $"recalibrated {recalibration.After.CalibrationInTheLarge:F4}");
    }
}
