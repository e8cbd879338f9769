using Mono.Cecil;
using PopHealth.Workbook;

namespace PopHealth.Tests.Architecture;

/// <summary>
/// The library's stage folders depend one way (docs/design.md, "Architecture"). The rule is written once, here, and checked against the
/// compiled assembly: every type a stage's code mentions (signatures, fields, attributes, method bodies, closures).
/// </summary>
[Trait("Category", "Unit")]
public sealed class StageDependencyTests
{
    /// <summary>Each stage and the stages it may use. Sub-namespaces (Ingest.Xpt, Ingest.Census, Charts.Plotly …) belong to their stage.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Workbook"] = [],
        ["Ingest"] = ["Workbook"],
        ["Features"] = ["Workbook", "Ingest"],
        ["Modeling"] = ["Workbook", "Ingest", "Features"],
        ["Tracking"] = ["Workbook", "Ingest", "Features", "Modeling"],
        ["Scoring"] = ["Workbook", "Ingest", "Features", "Modeling", "Tracking"],
        // Beside the chain: used by the steps, using only the workbook's basics (and Ingest's readers/writers for Synthesis).
        ["Synthesis"] = ["Workbook", "Ingest"],
        ["Charts"] = ["Workbook"],
        // Population estimates (direct and small-area): from the survey's respondents and the Census tables; the small-area
        // model may fit with Modeling's learners; its offline dashboard inlines Charts' plotly.js. Used by the steps only.
        ["Population"] = ["Workbook", "Ingest", "Features", "Modeling", "Charts"],
        // The steps orchestrate the stages, one per notebook; nothing in the library uses them.
        ["Steps"] = ["Workbook", "Ingest", "Features", "Modeling", "Tracking", "Scoring", "Synthesis", "Charts", "Population"],
    };

    private static string? StageOf(string? ns)
    {
        if (ns is null || !ns.StartsWith("PopHealth.", StringComparison.Ordinal)) return null;
        var rest = ns["PopHealth.".Length..];
        var dot = rest.IndexOf('.');
        return dot < 0 ? rest : rest[..dot];
    }

    private static string NamespaceOf(TypeReference type)
    {
        while (type.DeclaringType is not null) type = type.DeclaringType;
        return type.Namespace;
    }

    /// <summary>Every (from-stage, to-stage, example) edge between stages in the library assembly.</summary>
    private static List<(string From, string To, string Where)> Edges()
    {
        using var module = ModuleDefinition.ReadModule(typeof(WorkbookParameters).Assembly.Location);
        var edges = new List<(string, string, string)>();
        foreach (var type in module.GetTypes())
        {
            var from = StageOf(NamespaceOf(type));
            if (from is null) continue;
            void Use(TypeReference? used, string where)
            {
                if (used is null) return;
                if (used is GenericInstanceType generic) foreach (var argument in generic.GenericArguments) Use(argument, where);
                if (used is TypeSpecification spec) { Use(spec.ElementType, where); return; }
                var to = StageOf(NamespaceOf(used));
                if (to is not null && to != from) edges.Add((from, to, $"{type.FullName} {where} uses {used.FullName}"));
            }
            foreach (var t in References(type)) Use(t.Type, t.Where);
        }
        return edges;
    }

    private static IEnumerable<(TypeReference? Type, string Where)> References(TypeDefinition type)
    {
        yield return (type.BaseType, "base");
        foreach (var i in type.Interfaces) yield return (i.InterfaceType, "interface");
        foreach (var a in type.CustomAttributes) yield return (a.AttributeType, "attribute");
        foreach (var f in type.Fields) yield return (f.FieldType, $"field {f.Name}");
        foreach (var p in type.Properties) yield return (p.PropertyType, $"property {p.Name}");
        foreach (var m in type.Methods)
        {
            yield return (m.ReturnType, $"{m.Name} return");
            foreach (var p in m.Parameters) yield return (p.ParameterType, $"{m.Name} parameter");
            if (!m.HasBody) continue;
            foreach (var v in m.Body.Variables) yield return (v.VariableType, $"{m.Name} local");
            foreach (var instruction in m.Body.Instructions)
                switch (instruction.Operand)
                {
                    case TypeReference t: yield return (t, $"{m.Name} body"); break;
                    case MemberReference member:
                        yield return (member.DeclaringType, $"{m.Name} body");
                        if (member is MethodReference method)
                        {
                            yield return (method.ReturnType, $"{m.Name} body");
                            if (method is GenericInstanceMethod g) foreach (var a in g.GenericArguments) yield return (a, $"{m.Name} body");
                        }
                        else if (member is FieldReference field) yield return (field.FieldType, $"{m.Name} body");
                        break;
                }
        }
    }

    [Fact]
    public void Every_stage_is_known_to_the_rule()
    {
        var stages = Edges().SelectMany(e => new[] { e.From, e.To }).Distinct();
        Assert.All(stages, s => Assert.True(Allowed.ContainsKey(s), $"stage '{s}' has no rule in {nameof(Allowed)}"));
    }

    [Fact]
    public void Stages_use_only_the_stages_they_may()
    {
        var forbidden = Edges().Where(e => Allowed.TryGetValue(e.From, out var may) && !may.Contains(e.To))
            .GroupBy(e => (e.From, e.To)).Select(g => $"{g.Key.From} -> {g.Key.To}, e.g. {g.First().Where}").ToArray();
        Assert.True(forbidden.Length == 0, "Forbidden stage dependencies:\n" + string.Join("\n", forbidden));
    }

    [Fact]
    public void The_check_sees_real_dependencies()
    {
        // Guards the checker itself: known, allowed uses must be seen (else an empty edge list would pass vacuously).
        var edges = Edges().Select(e => (e.From, e.To)).ToHashSet();
        Assert.Contains(("Steps", "Modeling"), edges);
        Assert.Contains(("Scoring", "Tracking"), edges);
        Assert.Contains(("Features", "Ingest"), edges);
        Assert.Contains(("Population", "Features"), edges);
    }
}
