namespace PopHealth.Tracking;

/// <summary>
/// A model URI names a registered model, alias or version the store does not have: a refusal whose message names the URI,
/// the store and what to do (the runner shows it without a stack trace). A <see cref="KeyNotFoundException"/>, as before.
/// </summary>
public sealed class ModelNotFoundException(string message) : KeyNotFoundException(message);
