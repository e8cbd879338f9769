using System.Collections;
using Microsoft.Data.Analysis;
using PopHealth.Features;
using PopHealth.Modeling;
using PopHealth.Steps;
using PopHealth.Tracking;
using PopHealth.Workbook;

namespace PopHealth.Tests.Modeling;

/// <summary>
/// A made-up one-year feature table (a, b, c; c sometimes unknown) and its train step up to registration, for
/// registering in several stores.
/// </summary>
public sealed class TrainedFixture : IDisposable
{
    private readonly TempFolder temp = Repo.Temp();
    private readonly Dictionary<int, Lazy<Task<Trained>>> trained = [];

    public sealed record Trained(TrainingPlan Plan, TrainingSweeps Sweeps, ChosenModel Chosen, IReadOnlyList<TestEvaluation> Evaluations,
        ModelCardReport Card);

    public static readonly TrainOptions Quick = new(SearchTrials: 1, ImportanceRows: 500, ImportanceRepeats: 1, ShapRows: 100);

    public static FeatureSet Features(int rows, Recipe recipe = Recipe.Improved)
    {
        var random = new Random(rows);
        var columns = new[] { "a", "b", "c" }.ToDictionary(c => c, _ => new double?[rows]);
        var target = new double?[rows];
        for (var i = 0; i < rows; i++)
        {
            columns["a"][i] = random.NextDouble();
            columns["b"][i] = random.Next(1, 6);
            columns["c"][i] = random.NextDouble() < 0.1 ? null : random.NextDouble();
            var logit = 3 * columns["a"][i]!.Value + 0.5 * columns["b"][i]!.Value - 4 + (columns["c"][i] ?? 0.5);
            target[i] = random.NextDouble() < 1 / (1 + Math.Exp(-logit)) ? 1 : 0;
        }
        var frame = new DataFrame(new Int64DataFrameColumn(FeatureSet.RespondentId, Enumerable.Range(1, rows).Select(i => (long)i)));
        foreach (var (name, values) in columns) frame.Columns.Add(new DoubleDataFrameColumn(name, values));
        frame.Columns.Add(new DoubleDataFrameColumn(FeatureSet.Target, target));
        return new FeatureSet(recipe, "test", frame, columns.Keys.Select(c => new FeatureDefinition(c, c, "test")).ToArray(), [], synthetic: true);
    }

    /// <summary>The train step's stages up to the model card on <paramref name="rows"/> made-up respondents (once per size).</summary>
    public Task<Trained> For(int rows)
    {
        lock (trained)
        {
            if (!trained.TryGetValue(rows, out var lazy)) trained[rows] = lazy = new Lazy<Task<Trained>>(() => Train(rows));
            return lazy.Value;
        }
    }

    private async Task<Trained> Train(int rows)
    {
        var parameters = Parameters(temp.File($"train-{rows}"));
        await Features(rows).WriteAsync(parameters.ProcessedFeatures);
        var plan = await TrainStep.PlanAsync(parameters, Quick);
        var sweeps = TrainStep.Sweep(plan);
        var chosen = TrainStep.Choose(plan, sweeps);
        var evaluations = TrainStep.Evaluate(plan, chosen);
        return new Trained(plan, sweeps, chosen, evaluations, TrainStep.ModelCard(plan, chosen, evaluations));
    }

    public static WorkbookParameters Parameters(string data, string? recipe = null)
    {
        var environment = new Hashtable { ["POPHEALTH_DATA"] = data };
        if (recipe is not null) environment["POPHEALTH_RECIPE"] = recipe;
        return WorkbookParameters.FromEnvironment(environment, data);
    }

    /// <summary>Registers a trained model into the store under <paramref name="data"/> (as 04's last stage does there).</summary>
    public static Registration Register(Trained t, string data, TrainOptions? options = null)
    {
        var p = t.Plan;
        var plan = new TrainingPlan
        {
            Parameters = Parameters(data), Options = options ?? p.Options, Features = p.Features, Data = p.Data, Split = p.Split,
            TestSets = p.TestSets, Shift = p.Shift, SweepRows = p.SweepRows, Years = p.Years,
        };
        return TrainStep.Register(plan, t.Sweeps, t.Chosen, t.Evaluations, t.Card);
    }

    public void Dispose() => temp.Dispose();
}

/// <summary>
/// Issue 24's training findings (items 11, 12, 14): a model trained on 80 rows replaced prod; 04 ignored a different
/// POPHEALTH_RECIPE; a corrupt old version made every 04 register a version it could not tag.
/// </summary>
[Trait("Category", "Integration")]
public class PromotionTests(TrainedFixture fixture) : IClassFixture<TrainedFixture>
{
    private const string Model = WorkbookModel.Name;

    [Fact]
    public async Task A_model_trained_on_a_tiny_sample_is_registered_but_does_not_replace_prod_and_its_tag_says_why()
    {
        using var data = Repo.Temp();
        var good = TrainedFixture.Register(await fixture.For(3000), data.Path);
        Assert.True(good.Promotion!.Promote, good.Promotion.Summary);
        Assert.Contains("had no 'prod' yet", good.Promotion.Reason);
        var store = new MlflowStore(Path.Combine(data.Path, "mlruns"));
        Assert.Equal(good.Version.Version, store.Resolve(WorkbookModel.ProductionUri).Version);

        var tiny = TrainedFixture.Register(await fixture.For(100), data.Path); // POPHEALTH_SAMPLE_ROWS=100: 80 training rows, 20 test rows
        Assert.False(tiny.Promotion!.Promote);
        Assert.Equal(good.Version.Version, store.Resolve(WorkbookModel.ProductionUri).Version); // prod stayed
        var registered = store.Resolve($"models:/{Model}/{tiny.Version.Version}");
        Assert.Empty(registered.Aliases);
        Assert.StartsWith("not promoted, the alias stays: the headline test set (natural-prevalence test) has 20 rows, fewer than the 200",
            registered.Tags[PromotionGate.Tag]);
        Assert.StartsWith("promoted: ", store.Resolve(WorkbookModel.ProductionUri).Tags[PromotionGate.Tag]);

        // The same setting on the same data again: comparable with prod, as good, promoted.
        var again = TrainedFixture.Register(await fixture.For(3000), data.Path);
        Assert.True(again.Promotion!.Promote, again.Promotion.Summary);
        Assert.Contains($"version {good.Version.Version} (now 'prod') reached", again.Promotion.Reason);
        Assert.Equal(again.Version.Version, store.Resolve(WorkbookModel.ProductionUri).Version);
    }

    [Fact]
    public void The_gate_holds_a_new_version_to_the_minimums_and_to_a_comparable_prod()
    {
        using var data = Repo.Temp();
        var store = new MlflowStore(data.File("mlruns"));
        var run = store.StartRun(store.GetOrCreateExperiment("pophealth"), "final");
        run.LogParam("recipe", "improved").LogParam("features", "a,b,c").LogParam("test_set", "natural-prevalence test")
            .LogMetric("test_auc", 0.80).LogMetric("test_rows", 20_000).LogMetric("test_positives", 3_800);
        run.LogText("model/model.onnx", "not empty");
        run.End();
        store.SetAlias(Model, "prod", store.RegisterModel(Model, run).Version);
        PromotionDecision Decide(double auc, long rows = 20_000, long positives = 3_800, string recipe = "improved",
            string test = "natural-prevalence test") =>
            PromotionGate.Decide(store, Model, "prod", new PromotionCandidate(recipe, ["a", "b", "c"], test, rows, positives, auc),
                new PromotionRules());

        Assert.True(Decide(0.79).Promote);      // within 2 standard errors of the difference (about 0.0125)
        Assert.False(Decide(0.78).Promote);     // beyond them
        Assert.Contains("is below what version 1 (now 'prod') reached 0.8000 on comparable data", Decide(0.78).Reason);
        Assert.True(Decide(0.70, recipe: "seed").Promote); // another recipe: not comparable, the minimums decide
        Assert.Contains("trained on other data (recipe improved, not seed)", Decide(0.70, recipe: "seed").Reason);
        Assert.True(Decide(0.70, test: "within-year holdout of 2024").Promote);
        Assert.False(Decide(0.90, rows: 199, positives: 60).Promote);
        Assert.False(Decide(0.90, rows: 1000, positives: 29).Promote);
        Assert.Contains("29 respondents in its smaller class", Decide(0.90, rows: 1000, positives: 29).Reason);
        Assert.False(Decide(0.59, recipe: "seed").Promote);
        Assert.Contains("below the minimum 0.60", Decide(0.59, recipe: "seed").Reason);
        Assert.Equal(0.0044, PromotionGate.AucStandardError(0.81, 3_800, 16_200), 4); // the default run's test set
    }

    [Fact]
    public async Task A_corrupt_old_version_stops_04_before_anything_is_logged_and_a_failed_registration_leaves_no_version()
    {
        var trained = await fixture.For(3000);
        using var data = Repo.Temp();
        TrainedFixture.Register(trained, data.Path);
        var versionFolder = Path.Combine(data.Path, "mlruns", "models", Model);
        var corrupt = Path.Combine(versionFolder, "version-1", "meta.yaml");
        var sound = File.ReadAllText(corrupt);
        File.WriteAllText(corrupt, "name: [a, b]\n");
        var runs = Directory.EnumerateDirectories(Path.Combine(data.Path, "mlruns", "1")).Count();

        var error = Assert.Throws<InvalidDataException>(() => TrainedFixture.Register(trained, data.Path));
        Assert.StartsWith(corrupt + ": ", error.Message);
        Assert.Equal(["version-1"], Directory.EnumerateDirectories(versionFolder, "version-*").Select(Path.GetFileName));
        Assert.Equal(runs, Directory.EnumerateDirectories(Path.Combine(data.Path, "mlruns", "1")).Count()); // nothing logged

        // A registration that fails after claiming its version (here: an alias name the store refuses) takes the version back.
        File.WriteAllText(corrupt, sound);
        Assert.Throws<ArgumentException>(() => TrainedFixture.Register(trained, data.Path, TrainedFixture.Quick with { Alias = "not an alias!" }));
        Assert.Equal(["version-1"], Directory.EnumerateDirectories(versionFolder, "version-*").Select(Path.GetFileName));
        Assert.Equal(2, TrainedFixture.Register(trained, data.Path).Version.Version);
    }

    [Fact]
    public async Task A_POPHEALTH_RECIPE_other_than_the_features_recipe_is_refused_and_an_unset_one_is_noted()
    {
        using var data = Repo.Temp();
        await TrainedFixture.Features(600).WriteAsync(TrainedFixture.Parameters(data.Path).ProcessedFeatures);
        var error = await Assert.ThrowsAsync<WorkbookParameterException>(() => TrainStep.PlanAsync(TrainedFixture.Parameters(data.Path, "seed")));
        Assert.Equal("POPHEALTH_RECIPE", error.Variable);
        Assert.Contains("'improved', the recipe", error.Message);
        Assert.Contains("run 03-transform with POPHEALTH_RECIPE=seed first", error.Message);
        Assert.Equal(Recipe.Improved, (await TrainStep.PlanAsync(TrainedFixture.Parameters(data.Path, "improved"))).Recipe);

        await TrainedFixture.Features(600, Recipe.Original).WriteAsync(TrainedFixture.Parameters(data.Path).ProcessedFeatures);
        var plan = await TrainStep.PlanAsync(TrainedFixture.Parameters(data.Path)); // not set: the features' recipe, said so
        Assert.Equal(Recipe.Original, plan.Recipe);
        Assert.StartsWith("seed recipe (as 03-transform made the features; POPHEALTH_RECIPE is not set and its default, improved, does not apply)",
            plan.Describe());
    }
}
