using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>
/// A copy of a request's <see cref="ChatOptions"/> with its tools and extra properties given by the caller: what
/// <see cref="ChatOptions.Clone"/> gives, without first copying the two collections the pipeline replaces at once.
/// </summary>
/// <remarks>
/// The governed pipeline copies the options of every request once, to take its own entries off them, and of every model
/// call again while an app's loop still runs below it, to hand that loop the tools as declarations only.
/// <see cref="ChatOptions.Clone"/> copies the extra properties' dictionary and the tool list each time, only for them to
/// be replaced: on the per-request path that is about half of what a copy allocates. Options of exactly <see cref="ChatOptions"/> are copied member by member when this version of it has
/// exactly the members known here; any other type, or a version with members added, is copied with
/// <see cref="ChatOptions.Clone"/>, so nothing a caller set is ever dropped.
/// </remarks>
internal static class ChatOptionsCopy
{
    private static readonly string[] KnownOptionMembers =
    [
        nameof(ChatOptions.ConversationId), nameof(ChatOptions.Instructions), nameof(ChatOptions.Temperature),
        nameof(ChatOptions.MaxOutputTokens), nameof(ChatOptions.TopP), nameof(ChatOptions.TopK),
        nameof(ChatOptions.FrequencyPenalty), nameof(ChatOptions.PresencePenalty), nameof(ChatOptions.Seed),
        nameof(ChatOptions.Reasoning), nameof(ChatOptions.ResponseFormat), nameof(ChatOptions.ModelId),
        nameof(ChatOptions.StopSequences), nameof(ChatOptions.AllowMultipleToolCalls), nameof(ChatOptions.ToolMode),
        nameof(ChatOptions.Tools), nameof(ChatOptions.AllowBackgroundResponses), nameof(ChatOptions.ContinuationToken),
        nameof(ChatOptions.RawRepresentationFactory), nameof(ChatOptions.AdditionalProperties),
    ];

    private static readonly string[] KnownReasoningMembers = [nameof(ReasoningOptions.Effort), nameof(ReasoningOptions.Output)];

    /// <summary>Gets a value indicating whether this version of <see cref="ChatOptions"/> has exactly the members copied here.</summary>
    internal static bool CopiesEveryMember { get; } = HasExactly(typeof(ChatOptions), KnownOptionMembers) && HasExactly(typeof(ReasoningOptions), KnownReasoningMembers);

    /// <summary>
    /// Returns a copy of <paramref name="options"/> equal to its <see cref="ChatOptions.Clone"/> except that its
    /// <see cref="ChatOptions.Tools"/> and <see cref="ChatOptions.AdditionalProperties"/> are the ones given, taken as they are.
    /// </summary>
    public static ChatOptions With(ChatOptions options, IList<AITool>? tools, AdditionalPropertiesDictionary? additionalProperties)
    {
        ChatOptions copy;
        if (CopiesEveryMember && options.GetType() == typeof(ChatOptions))
        {
#pragma warning disable MEAI001 // Background responses are an experimental MEAI feature: copied as they are, never read.
            copy = new ChatOptions
            {
                ConversationId = options.ConversationId,
                Instructions = options.Instructions,
                Temperature = options.Temperature,
                MaxOutputTokens = options.MaxOutputTokens,
                TopP = options.TopP,
                TopK = options.TopK,
                FrequencyPenalty = options.FrequencyPenalty,
                PresencePenalty = options.PresencePenalty,
                Seed = options.Seed,
                Reasoning = options.Reasoning is { } reasoning ? new ReasoningOptions { Effort = reasoning.Effort, Output = reasoning.Output } : null,
                ResponseFormat = options.ResponseFormat,
                ModelId = options.ModelId,
                StopSequences = options.StopSequences is { } stops ? new List<string>(stops) : null,
                AllowMultipleToolCalls = options.AllowMultipleToolCalls,
                ToolMode = options.ToolMode,
                AllowBackgroundResponses = options.AllowBackgroundResponses,
                ContinuationToken = options.ContinuationToken,
                RawRepresentationFactory = options.RawRepresentationFactory,
            };
#pragma warning restore MEAI001
        }
        else
        {
            copy = options.Clone();
        }

        copy.Tools = tools;
        copy.AdditionalProperties = additionalProperties;
        return copy;
    }

    private static bool HasExactly([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type type, string[] members)
    {
        PropertyInfo[] properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance);
        if (properties.Length != members.Length)
        {
            return false;
        }

        foreach (PropertyInfo property in properties)
        {
            if (Array.IndexOf(members, property.Name) < 0)
            {
                return false;
            }
        }

        return true;
    }
}
