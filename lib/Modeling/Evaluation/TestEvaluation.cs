namespace PopHealth.Modeling;

/// <summary>Stage 4, evaluate: one report per test set, with the probabilities and rows it was computed from.</summary>
public sealed record TestEvaluation(TestReport Report, double[] Probabilities, ModelMatrix Rows);
