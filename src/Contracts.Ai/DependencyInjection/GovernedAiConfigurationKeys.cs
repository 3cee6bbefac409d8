using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Contracts.Ai;

/// <summary>
/// Binds the <c>GovernedAi</c> configuration section and reports every key in it that names no setting, with its
/// full path and the closest valid name, so a misspelt key fails the start instead of being ignored.
/// </summary>
/// <remarks>
/// The source-generated binder decides whether a key is unknown (<see cref="BinderOptions.ErrorOnUnknownConfiguration"/>
/// covers nested sections too, but stops at the first type and names neither the path nor a fix). Only then are the
/// option types walked to list every unknown key with its path and a suggestion.
/// </remarks>
internal static class GovernedAiConfigurationKeys
{
    /// <summary>Binds <paramref name="section"/> into <paramref name="options"/>; returns one message per unknown key, or none.</summary>
    public static List<string> Bind(IConfigurationSection section, GovernedAiOptions options)
    {
        var problems = new List<string>();
        try
        {
            section.Bind(options, static o => o.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException ex) when (ex.Message.StartsWith("'ErrorOnUnknownConfiguration'", StringComparison.Ordinal))
        {
            Find(section, typeof(GovernedAiOptions), problems);
            if (problems.Count == 0)
            {
                problems.Add($"{section.Path}: {ex.Message}");
            }

            // Bind what is known, so every other setting is still validated and reported at once.
            section.Bind(options);
        }

        return problems;
    }

    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification =
        "Runs only after the source-generated binder found an unknown key, to name it: a property trimmed away only costs the suggestion.")]
    private static void Find(IConfiguration section, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type type, List<string> problems)
    {
        PropertyInfo[] properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance);
        foreach (IConfigurationSection child in section.GetChildren())
        {
            PropertyInfo? property = null;
            foreach (PropertyInfo candidate in properties)
            {
                if (string.Equals(candidate.Name, child.Key, StringComparison.OrdinalIgnoreCase) && candidate.GetIndexParameters().Length == 0)
                {
                    property = candidate;
                    break;
                }
            }

            if (property is null)
            {
                problems.Add(Unknown(child, type, properties));
                continue;
            }

            FindIn(child, property.PropertyType, problems);
        }
    }

    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification =
        "Runs only after the source-generated binder found an unknown key, to name it: a property trimmed away only costs the suggestion.")]
    [UnconditionalSuppressMessage("Trimming", "IL2062", Justification = "As above.")]
    [UnconditionalSuppressMessage("Trimming", "IL2067", Justification = "As above.")]
    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "As above.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "As above.")]
    private static void FindIn(IConfigurationSection value, Type type, List<string> problems)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (IsScalar(type))
        {
            return;
        }

        if (ElementType(type) is { } element)
        {
            // A dictionary's keys and a list's indexes are data: only the values are settings.
            foreach (IConfigurationSection item in value.GetChildren())
            {
                if (!IsScalar(Nullable.GetUnderlyingType(element) ?? element))
                {
                    Find(item, element, problems);
                }
            }

            return;
        }

        Find(value, type, problems);
    }

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan) ||
        type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(Guid) || type == typeof(Uri) || type == typeof(object);

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification =
        "Runs only after the source-generated binder found an unknown key, to name it: a trimmed interface only costs the suggestion.")]
    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        Type? element = null;
        foreach (Type candidate in type.IsInterface ? [type, .. type.GetInterfaces()] : type.GetInterfaces())
        {
            if (!candidate.IsGenericType)
            {
                continue;
            }

            Type definition = candidate.GetGenericTypeDefinition();
            if (definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>))
            {
                return candidate.GetGenericArguments()[1];
            }

            if (definition == typeof(IEnumerable<>))
            {
                element ??= candidate.GetGenericArguments()[0];
            }
        }

        return element;
    }

    private static string Unknown(IConfigurationSection key, Type type, PropertyInfo[] properties)
    {
        var names = new List<string>(properties.Length);
        foreach (PropertyInfo property in properties)
        {
            names.Add(property.Name);
        }

        string parent = key.Path.Length > key.Key.Length ? key.Path[..(key.Path.Length - key.Key.Length - 1)] : string.Empty;
        string message = $"'{key.Path}' is not a setting of {type.Name}";
        return NameSuggestion.Closest(key.Key, names) is { } closest
            ? $"{message}: did you mean '{(parent.Length == 0 ? closest : parent + ":" + closest)}'?"
            : $"{message}; its settings are: {string.Join(", ", names)}.";
    }
}
