using System;
using System.Collections.Generic;
using System.Globalization;

namespace Contracts.Ai;

/// <summary>Checks a set of prompt files together: unique versions, labels, rollouts and replacements that point to versions that exist.</summary>
internal static class PromptCatalog
{
    public static void Validate(IReadOnlyList<PromptFile> files, DateTimeOffset now, List<PromptFileError> errors, List<PromptFileError> warnings)
    {
        var byId = new Dictionary<string, List<PromptFile>>(StringComparer.Ordinal);
        foreach (PromptFile file in files)
        {
            if (!byId.TryGetValue(file.Contract.Id, out List<PromptFile>? versions))
            {
                byId[file.Contract.Id] = versions = new List<PromptFile>();
            }

            versions.Add(file);
        }

        foreach ((string id, List<PromptFile> versions) in byId)
        {
            var known = new Dictionary<string, PromptFile>(StringComparer.Ordinal);
            var precedence = new List<(SemanticVersion Version, PromptFile File)>();
            foreach (PromptFile file in versions)
            {
                string version = file.Contract.Version;
                if (known.TryGetValue(version, out PromptFile? first))
                {
                    errors.Add(file.ErrorAt("version", $"version {version} of '{id}' is also declared in {first.Path}: each version has one file.", "version-duplicate"));
                    continue;
                }

                if (SemanticVersion.TryParse(version, out SemanticVersion parsed))
                {
                    (SemanticVersion Version, PromptFile File) same = precedence.Find(p => p.Version.CompareTo(parsed) == 0);
                    if (same.File is not null)
                    {
                        errors.Add(file.ErrorAt("version", $"version {version} of '{id}' differs from {same.Version.Text} in {same.File.Path} only in build metadata.", "version-duplicate"));
                        continue;
                    }

                    precedence.Add((parsed, file));
                }

                known[version] = file;
            }

            var labelOwners = new Dictionary<string, PromptFile>(StringComparer.Ordinal);
            var rolloutOwners = new Dictionary<string, PromptFile>(StringComparer.Ordinal);
            foreach (PromptFile file in versions)
            {
                foreach (string label in file.Labels)
                {
                    if (labelOwners.TryGetValue(label, out PromptFile? holder) && !ReferenceEquals(holder, file))
                    {
                        errors.Add(file.ErrorAt("labels", $"label '{label}' of '{id}' is on version {holder.Contract.Version} ({holder.Path}) and on {file.Contract.Version}: a label points to one version.", "label-conflict"));
                    }
                    else
                    {
                        labelOwners[label] = file;
                    }
                }

                CheckDeprecatedLabels(id, file, now, warnings);
                if (file.Contract.ReplacedBy is { } replacement && !known.ContainsKey(replacement))
                {
                    errors.Add(file.ErrorAt("deprecation.replaced_by", $"replaced_by points to version {replacement} of '{id}', which no file declares.", "replaced-by-unknown"));
                }

                if (file.Rollout is { } rollout)
                {
                    CheckRollout(id, file, rollout, known, rolloutOwners, now, errors, warnings);
                }
            }
        }
    }

    private static void CheckRollout(string id, PromptFile file, PromptRollout rollout, Dictionary<string, PromptFile> known, Dictionary<string, PromptFile> owners, DateTimeOffset now, List<PromptFileError> errors, List<PromptFileError> warnings)
    {
        if (owners.TryGetValue(rollout.Label, out PromptFile? owner))
        {
            errors.Add(file.ErrorAt("rollout", $"the rollout of label '{rollout.Label}' of '{id}' is also declared in {owner.Path}: declare a rollout once.", "rollout-conflict"));
            return;
        }

        foreach ((string otherLabel, PromptFile other) in owners)
        {
            // Routing keeps one rollout per contract.
            errors.Add(file.ErrorAt("rollout", $"'{id}' already has a rollout of label '{otherLabel}' in {other.Path}: a contract has one rollout.", "rollout-conflict"));
            return;
        }

        owners[rollout.Label] = file;
        foreach ((string version, double weight) in rollout.Weights)
        {
            string field = "rollout.weights." + version;
            if (!known.TryGetValue(version, out PromptFile? target))
            {
                errors.Add(file.ErrorAt(field, $"the rollout of '{rollout.Label}' sends traffic to version {version} of '{id}', which no file declares.", "rollout-unknown-version"));
            }
            else if (weight > 0)
            {
                CheckDeprecated(id, file, field, "sends traffic to", target, now, warnings);
            }
        }

        if (rollout.ShadowVersion is { } shadow)
        {
            if (!known.TryGetValue(shadow, out PromptFile? target))
            {
                errors.Add(file.ErrorAt("rollout.shadow", $"the rollout of '{rollout.Label}' shadows version {shadow} of '{id}', which no file declares.", "rollout-unknown-version"));
            }
            else
            {
                CheckDeprecated(id, file, "rollout.shadow", "shadows", target, now, warnings);
            }
        }
    }

    private static void CheckDeprecated(string id, PromptFile file, string field, string verb, PromptFile target, DateTimeOffset now, List<PromptFileError> warnings)
    {
        if (target.Contract.DeprecatedAfter is not DateTimeOffset after)
        {
            return;
        }

        string date = after.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        warnings.Add(file.ErrorAt(field, DeprecationMessage($"the rollout {verb} version {target.Contract.Version} of '{id}'", target, date, now >= after), "rollout-deprecated"));
    }

    /// <summary>
    /// Deprecation is a warning, before the date and after it: once the date passes, routing moves the traffic to
    /// <c>replaced_by</c>, so an unchanged deployment keeps starting.
    /// </summary>
    private static string DeprecationMessage(string subject, PromptFile target, string date, bool passed) =>
        (passed, target.Contract.ReplacedBy) switch
        {
            (true, { } next) => $"{subject}, deprecated since {date}: its traffic moves to {next}; point it at {next}.",
            (true, null) => $"{subject}, deprecated since {date} with no replaced_by: it keeps serving; name a replacement.",
            (false, { } next) => $"{subject}, deprecated after {date}: from then on its traffic moves to {next}; point it at {next} before.",
            _ => $"{subject}, deprecated after {date} with no replaced_by.",
        };

    private static void CheckDeprecatedLabels(string id, PromptFile file, DateTimeOffset now, List<PromptFileError> warnings)
    {
        if (file.Contract.DeprecatedAfter is not DateTimeOffset after || file.Labels.Count == 0)
        {
            return;
        }

        string date = after.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        foreach (string label in file.Labels)
        {
            warnings.Add(file.ErrorAt("labels", DeprecationMessage($"label '{label}' points at version {file.Contract.Version} of '{id}'", file, date, now >= after), "label-deprecated"));
        }
    }
}
