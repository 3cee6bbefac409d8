using System;
using System.Collections.Generic;

namespace Contracts.Ai;

/// <summary>What happens to personal data and secrets in one direction (<see cref="DataDirection"/>).</summary>
/// <remarks>Bindable from configuration, for example <c>GovernedAi:DataProtection:Policy:OutboundPrompt:EntityActions:CREDIT_CARD = Block</c>.</remarks>
public sealed class PiiPolicy
{
    /// <summary>Gets or sets the action for every entity type without its own entry in <see cref="EntityActions"/>.</summary>
    /// <value>Defaults to <see cref="PiiAction.Redact"/>.</value>
    public PiiAction Action { get; set; } = PiiAction.Redact;

    /// <summary>Gets or sets actions per entity type (<see cref="PiiEntityTypes"/>), overriding <see cref="Action"/>.</summary>
    /// <value>Defaults to empty.</value>
    public IDictionary<string, PiiAction> EntityActions { get; set; } = new Dictionary<string, PiiAction>(StringComparer.Ordinal);

    /// <summary>Gets or sets how redacted values are replaced.</summary>
    /// <value>Defaults to <see cref="RedactionStyle.Placeholder"/>.</value>
    public RedactionStyle Style { get; set; } = RedactionStyle.Placeholder;

    /// <summary>Gets whether the policy leaves every entity type alone, so the text need not be scanned.</summary>
    internal bool AllowsEverything
    {
        get
        {
            if (Action != PiiAction.Allow)
            {
                return false;
            }

            // Asked for every text of every call: the usual empty dictionary is not enumerated (an enumerator through the interface is an allocation).
            IDictionary<string, PiiAction> actions = EntityActions;
            if (actions.Count == 0)
            {
                return true;
            }

            foreach (KeyValuePair<string, PiiAction> entry in actions)
            {
                if (entry.Value != PiiAction.Allow)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>Gets the action for <paramref name="entityType"/>.</summary>
    /// <param name="entityType">The entity type.</param>
    /// <returns>Its entry in <see cref="EntityActions"/>, else <see cref="Action"/>.</returns>
    public PiiAction ActionFor(string entityType) =>
        EntityActions.TryGetValue(entityType, out PiiAction action) ? action : Action;

    internal void Validate(string path, List<string> errors)
    {
        if (!Enum.IsDefined(Action))
        {
            errors.Add($"{path}:{nameof(Action)} must be Allow, Redact or Block, but was {(int)Action}.");
        }

        if (!Enum.IsDefined(Style))
        {
            errors.Add($"{path}:{nameof(Style)} must be Placeholder, KeyedHash or Redactor, but was {(int)Style}.");
        }

        if (EntityActions is null)
        {
            errors.Add($"{path}:{nameof(EntityActions)} must not be null.");
            return;
        }

        foreach (KeyValuePair<string, PiiAction> entry in EntityActions)
        {
            if (!Enum.IsDefined(entry.Value))
            {
                errors.Add($"{path}:{nameof(EntityActions)}:{entry.Key} must be Allow, Redact or Block, but was {(int)entry.Value}.");
            }
        }
    }
}
