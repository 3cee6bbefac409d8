using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Contracts.Ai;

/// <summary>Fits a conversation into a model's context window; the engine behind <see cref="TokenBudgetingChatClient"/> and <see cref="TokenBudgetChatReducer"/>.</summary>
/// <remarks>Thread-safe. The caller's list and messages are never changed: a trimmed conversation is a new list of the same message objects (a truncated message is a copy).</remarks>
internal sealed partial class TokenBudgeter
{
    private const int TruncationAttempts = 4;

    // Model ids come from requests: past this many distinct ids, unknown models are no longer remembered (nor warned about).
    private const int MaxWarnedModels = 1000;

    private readonly TokenBudgetOptions _options;
    private readonly TokenCounterRegistry _registry;
    private readonly TokenCountCache _cache;
    private WindowChoice? _lastWindow;
    private CounterChoice? _lastCounter;
    private WarnedModel? _lastWarned;

    // Memos of the last conversation by position: a growing conversation re-finds its messages without
    // a table lookup. Written without locks by concurrent calls; a torn or foreign hint is only a hint
    // (a memo is checked against the message before it is used).
    private TokenCountCache.MessageMemo?[] _hints = new TokenCountCache.MessageMemo?[64];

    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, bool> _warnedModels = new(StringComparer.Ordinal);

    public TokenBudgeter(TokenBudgetOptions options, TokenCounterRegistry? registry, TokenCountCache cache, ILogger? logger = null)
    {
        _options = options;
        _registry = registry ?? new TokenCounterRegistry();
        _cache = cache ?? throw new ArgumentNullException(nameof(cache));
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Returns the messages to send: <paramref name="messages"/> itself when it fits (or no window is known), else a trimmed copy.</summary>
    /// <exception cref="ContextBudgetExceededException">The conversation does not fit and cannot be trimmed to fit, or the policy is <see cref="BudgetOverflowPolicy.Throw"/>.</exception>
    public IEnumerable<ChatMessage> Fit(IEnumerable<ChatMessage> messages, ChatOptions? chatOptions, string? defaultModelId)
    {
        string? modelId = chatOptions?.ModelId ?? defaultModelId;
        int reserved = chatOptions?.MaxOutputTokens ?? _options.ReservedOutputTokens;
        int? maxInput = GovernedCall.Current?.MaxInputTokens
            ?? (chatOptions?.AdditionalProperties is { Count: > 0 } properties && properties.TryGetValue(TokenBudgetOptions.MaxInputTokensKey, out object? cap) && cap is int capTokens && capTokens > 0 ? capTokens : null);
        int? window = FindWindow(modelId);
        if (window is not int contextWindow)
        {
            if (_options.DefaultEncoding is null)
            {
                // Unknown models are refused, window or not.
                _ = FindCounter(modelId);
            }

            if (maxInput is not int onlyCap)
            {
                WarnUnbudgeted(modelId);
                return messages;
            }

            // No known window, but the request caps its input (for example a contract's MaxInputTokens): budget against the cap.
            contextWindow = onlyCap + reserved + _options.SafetyMarginTokens;
        }

        int limit = contextWindow - reserved - _options.SafetyMarginTokens;
        if (maxInput is int inputCap && inputCap < limit)
        {
            limit = inputCap;
        }
        ITokenCounter counter = FindCounter(modelId);
        IList<ChatMessage> list = messages as IList<ChatMessage> ?? new List<ChatMessage>(messages);

        Activity? activity = GovernedAiTelemetry.ActivitySource.HasListeners()
            ? GovernedAiTelemetry.ActivitySource.StartActivity(TelemetryNames.Spans.Budget, ActivityKind.Internal)
            : null;
        try
        {
            int imageTokens = _options.ImageTokens;
            int total = counter.Overhead.PerRequest + _cache.CountInstructions(chatOptions?.Instructions, counter) + _cache.CountToolsAndFormat(chatOptions, counter);
            int n = list.Count;
            int[] counts = ArrayPool<int>.Shared.Rent(Math.Max(n, 1));
            try
            {
                int largest = -1;
                TokenCountCache.MessageMemo?[] hints = _hints;
                if (hints.Length < n)
                {
                    hints = new TokenCountCache.MessageMemo?[Math.Max(n, hints.Length * 2)];
                    _hints = hints;
                }

                for (int i = 0; i < n; i++)
                {
                    ChatMessage message = list[i] ?? throw new ArgumentException($"The message at index {i} is null.", nameof(messages));
                    TokenCountCache.MessageMemo? memo = hints[i];
                    int tokens = _cache.CountMessage(message, counter, imageTokens, ref memo);
                    hints[i] = memo;
                    counts[i] = tokens;
                    total += tokens;
                    if (largest < 0 || tokens > counts[largest])
                    {
                        largest = i;
                    }
                }

                if (limit <= 0)
                {
                    throw Exceeded(
                        $"The context window of model '{modelId}' ({contextWindow} tokens) minus the reserved output ({reserved}) and safety margin ({_options.SafetyMarginTokens}) leaves no room for input.",
                        modelId, limit, total, largest, counts);
                }

                if (total <= limit)
                {
                    Record(activity, chatOptions, limit, total, total, 0);
                    return list;
                }

                if (_options.OnOverflow == BudgetOverflowPolicy.Throw)
                {
                    throw Exceeded(
                        $"The conversation for model '{modelId}' needs {total} input tokens but the limit is {limit} (context window {contextWindow} - reserved output {reserved} - safety margin {_options.SafetyMarginTokens}); " +
                        $"{DescribeLargest(list, counts, largest)}. OnOverflow is Throw.",
                        modelId, limit, total, largest, counts);
                }

                List<ChatMessage> trimmed = Trim(list, counts, total, limit, counter, modelId, contextWindow, reserved, out int after, out int dropped);
                Record(activity, chatOptions, limit, total, after, dropped);
                return trimmed;
            }
            finally
            {
                ArrayPool<int>.Shared.Return(counts);
            }
        }
        catch (Exception ex) when (activity is not null)
        {
            activity.SetTag(TelemetryNames.Attributes.ErrorType, ex.GetType().FullName).SetStatus(ActivityStatusCode.Error, GovernedAiException.DescribeForTelemetry(ex));
            throw;
        }
        finally
        {
            activity?.Dispose();
        }
    }

    /// <summary>Says once per model id that its calls go out unbudgeted, naming the setting that fixes it.</summary>
    private void WarnUnbudgeted(string? modelId)
    {
        // The model checked last was warned about already: the usual unbudgeted request costs a reference check.
        if (_lastWarned is { } last && ReferenceEquals(last.ModelId, modelId))
        {
            return;
        }

        if (!_logger.IsEnabled(LogLevel.Warning))
        {
            return;
        }

        string key = modelId ?? string.Empty;
        bool first = !_warnedModels.ContainsKey(key) && _warnedModels.Count < MaxWarnedModels && _warnedModels.TryAdd(key, true);
        _lastWarned = new WarnedModel(modelId);
        if (!first)
        {
            return;
        }

        if (modelId is null)
        {
            LogNoWindowWithoutModel(_logger);
        }
        else
        {
            LogNoWindow(_logger, modelId);
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning,
        Message = "No context window is known for model '{ModelId}', so its requests are sent unbudgeted. Set TokenBudgetOptions.ModelContextWindows[\"{ModelId}\"] (configuration GovernedAi:TokenBudget:ModelContextWindows:{ModelId}) or TokenBudgetOptions.ContextWindowTokens. Logged once per model.")]
    private static partial void LogNoWindow(ILogger logger, string modelId);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning,
        Message = "The chat client reports no model id and TokenBudgetOptions.ContextWindowTokens is not set, so requests are sent unbudgeted. Set ChatOptions.ModelId with TokenBudgetOptions.ModelContextWindows, or ContextWindowTokens. Logged once.")]
    private static partial void LogNoWindowWithoutModel(ILogger logger);

    private int? FindWindow(string? modelId)
    {
        if (modelId is not null)
        {
            WindowChoice? last = _lastWindow;
            if (last is not null && ReferenceEquals(last.ModelId, modelId))
            {
                return last.Tokens;
            }

            int? tokens = _options.ModelContextWindows.TryGetValue(modelId, out int configured) ? configured
                : _options.ContextWindowTokens ?? KnownContextWindows.Find(modelId);
            _lastWindow = new WindowChoice(modelId, tokens);
            return tokens;
        }

        return _options.ContextWindowTokens;
    }

    private ITokenCounter FindCounter(string? modelId)
    {
        CounterChoice? last = _lastCounter;
        int version = _registry.Version;
        if (last is not null && ReferenceEquals(last.ModelId, modelId) && last.Version == version)
        {
            return last.Counter;
        }

        ITokenCounter counter = _registry.GetCounter(modelId, _options.DefaultEncoding);
        _lastCounter = new CounterChoice(modelId, version, counter);
        return counter;
    }

    private List<ChatMessage> Trim(IList<ChatMessage> list, int[] counts, int total, int limit, ITokenCounter counter, string? modelId, int window, int reserved, out int after, out int dropped)
    {
        int n = list.Count;
        int[] group = ToolGroups(list);
        var keep = new bool[n];
        var drop = new bool[n];

        // The newest turn: from the last user message (or the last non-system message) to the end.
        int newestTurn = n;
        for (int i = n - 1; i >= 0; i--)
        {
            if (list[i].Role == ChatRole.User)
            {
                newestTurn = i;
                break;
            }

            if (newestTurn == n && list[i].Role != ChatRole.System)
            {
                newestTurn = i;
            }
        }

        // Turns start at user messages; a turn never ends inside a tool call group.
        int[] groupEnd = new int[n];
        int[] groupStart = new int[n];
        for (int i = n - 1; i >= 0; i--)
        {
            groupEnd[group[i]] = Math.Max(groupEnd[group[i]], i);
            groupStart[group[i]] = i;
        }

        // Inside the newest turn (a tool loop), only the newest tool exchange must stay: the model needs the
        // result it asked for last, while older calls and their results may go, oldest first, like older turns.
        int newestExchange = n;
        for (int i = n - 1; i > newestTurn; i--)
        {
            if (list[i].Role == ChatRole.Tool || HasToolCall(list[i]))
            {
                newestExchange = Math.Max(groupStart[group[i]], newestTurn + 1);
                break;
            }
        }

        for (int i = 0; i < n; i++)
        {
            ChatMessage message = list[i];
            if (i == newestTurn || i >= newestExchange || message.Role == ChatRole.System || message.IsPinned())
            {
                keep[group[i]] = true;
            }
        }

        for (int i = 0; i < n; i++)
        {
            keep[i] = keep[group[i]];
        }

        dropped = 0;
        int start = 0;
        while (start < newestTurn && total > limit)
        {
            int end = start;
            int openUntil = groupEnd[group[start]];
            while (end + 1 < newestTurn && (list[end + 1].Role != ChatRole.User || end + 1 <= openUntil))
            {
                end++;
                openUntil = Math.Max(openUntil, groupEnd[group[end]]);
            }

            for (int i = start; i <= end; i++)
            {
                if (!keep[i])
                {
                    drop[i] = true;
                    total -= counts[i];
                    dropped++;
                }
            }

            start = end + 1;
        }

        // Then the older exchanges of the newest turn, one tool call group at a time.
        start = newestTurn + 1;
        while (start < newestExchange && total > limit)
        {
            int end = start;
            int openUntil = groupEnd[group[start]];
            while (end + 1 < newestExchange && end + 1 <= openUntil)
            {
                end++;
                openUntil = Math.Max(openUntil, groupEnd[group[end]]);
            }

            for (int i = start; i <= end; i++)
            {
                if (!keep[i])
                {
                    drop[i] = true;
                    total -= counts[i];
                    dropped++;
                }
            }

            start = end + 1;
        }

        // Never open with a tool result whose call is gone.
        for (int i = 0; i < n; i++)
        {
            if (drop[i] || list[i].Role == ChatRole.System)
            {
                continue;
            }

            if (list[i].Role != ChatRole.Tool || keep[i])
            {
                break;
            }

            drop[i] = true;
            total -= counts[i];
            dropped++;
        }

        var result = new List<ChatMessage>(n - dropped);
        for (int i = 0; i < n; i++)
        {
            if (!drop[i])
            {
                result.Add(list[i]);
            }
        }

        if (total > limit)
        {
            total = Truncate(result, list, drop, counts, total, limit, counter, modelId, window, reserved);
        }

        after = total;
        return result;
    }

    private int Truncate(List<ChatMessage> result, IList<ChatMessage> list, bool[] drop, int[] counts, int total, int limit, ITokenCounter counter, string? modelId, int window, int reserved)
    {
        int largest = -1;
        for (int i = 0; i < list.Count; i++)
        {
            if (!drop[i] && (largest < 0 || counts[i] > counts[largest]))
            {
                largest = i;
            }
        }

        if (!_options.TruncateOversizeMessage || largest < 0)
        {
            throw Exceeded(
                $"The messages that must be kept for model '{modelId}' (system messages, pinned messages, the newest user turn, instructions and tool definitions) need {total} input tokens " +
                $"but the limit is {limit} (context window {window} - reserved output {reserved} - safety margin {_options.SafetyMarginTokens}); " +
                $"{DescribeLargest(list, counts, largest)}. " +
                "Enable TokenBudgetOptions.TruncateOversizeMessage to cut it from the middle.",
                modelId, limit, total, largest, counts);
        }

        ChatMessage original = list[largest];
        int textIndex = LargestText(original);
        if (textIndex < 0)
        {
            throw Exceeded(
                $"The messages that must be kept for model '{modelId}' need {total} input tokens but the limit is {limit}; the largest message, #{largest} ({original.Role}) with {counts[largest]} tokens, has no text to truncate.",
                modelId, limit, total, largest, counts);
        }

        string text = TextOf(original.Contents[textIndex]);

        // A counter that finds boundaries itself counts the text once and cuts it near checkpoints, taken when the message was
        // counted (or now, when its count was found by content); any other counter is searched with counts.
        ITokenCutFinder? finder = counter as ITokenCutFinder;
        TokenCheckpoints? checkpoints = finder is null ? null : _cache.CheckpointsOf(text, counter);
        int textTokens;
        if (finder is null)
        {
            textTokens = counter.CountTokens(text);
        }
        else if (checkpoints is not null)
        {
            textTokens = checkpoints.Total;
        }
        else
        {
            checkpoints = new TokenCheckpoints();
            textTokens = finder.CountWithCheckpoints(text, checkpoints);
            _cache.RememberCheckpoints(text, counter, checkpoints);
        }

        int position = result.IndexOf(original);
        int overshoot = total - limit;
        for (int attempt = 0; attempt < TruncationAttempts; attempt++)
        {
            int cut = overshoot + MarkerTokens(counter, textTokens);
            int keepTokens = textTokens - cut;
            if (keepTokens < 2)
            {
                break;
            }

            int headTokens = keepTokens / 2;
            int headChars, tailChars, removed;
            TokenSplice splice = default;
            if (finder is not null)
            {
                headChars = finder.FindCut(text, checkpoints!, headTokens, roundUp: false, out int headIndex);
                int tailCut = finder.FindCut(text, checkpoints!, textTokens - (keepTokens - headTokens), roundUp: true, out int tailIndex);
                int tailStart = Math.Max(headChars, tailCut);
                tailChars = text.Length - tailStart;
                removed = Math.Max(0, tailIndex - headIndex);
                splice = new TokenSplice(headChars, headIndex, 0, tailStart, tailCut == tailStart ? tailIndex : -1);
            }
            else
            {
                headChars = CharsByTokenCount(counter, text, headTokens, fromEnd: false);
                tailChars = CharsByTokenCount(counter, text.AsSpan(headChars), keepTokens - headTokens, fromEnd: true);
                removed = textTokens - counter.CountTokens(text.AsSpan(0, headChars)) - counter.CountTokens(text.AsSpan(text.Length - tailChars));
            }

            string marker = string.Create(CultureInfo.InvariantCulture, $"\n[… {removed} tokens truncated …]\n");
            string truncatedText = string.Concat(text.AsSpan(0, headChars), marker, text.AsSpan(text.Length - tailChars));

            ChatMessage truncated = original.Clone();
            var contents = new List<AIContent>(original.Contents);
            contents[textIndex] = original.Contents[textIndex] is FunctionResultContent toolResult
                ? new FunctionResultContent(toolResult.CallId, truncatedText) { Exception = toolResult.Exception, AdditionalProperties = toolResult.AdditionalProperties }
                : new TextContent(truncatedText) { AdditionalProperties = original.Contents[textIndex].AdditionalProperties };
            truncated.Contents = contents;
            // The message's count changes by its text's: the cut text is counted from the count of the whole one, where a cut split a piece.
            int newTokens = finder is null
                ? _cache.CountMessage(truncated, counter, _options.ImageTokens)
                : counts[largest] - textTokens + finder.CountSpliced(truncatedText, checkpoints!, splice with { MiddleChars = marker.Length });
            int newTotal = total - counts[largest] + newTokens;
            if (newTotal <= limit)
            {
                if (finder is not null)
                {
                    // Counted without counting the message: remembered, so the cut message sent again is not counted anew.
                    _cache.Remember(truncated, counter, _options.ImageTokens, newTokens);
                }

                result[position] = truncated;
                return newTotal;
            }

            overshoot += newTotal - limit;
        }

        throw Exceeded(
            $"The messages that must be kept for model '{modelId}' need {total} input tokens but the limit is {limit}, and cutting the largest message (#{largest}, {original.Role}, {counts[largest]} tokens) cannot make them fit.",
            modelId, limit, total, largest, counts);
    }

    private static int MarkerTokens(ITokenCounter counter, int textTokens) =>
        counter.CountTokens(string.Create(CultureInfo.InvariantCulture, $"\n[… {textTokens} tokens truncated …]\n")) + 2;

    /// <summary>The content of <paramref name="message"/> with the longest text that truncation can cut: a text, or a tool result (cut as its text).</summary>
    private static int LargestText(ChatMessage message)
    {
        int best = -1;
        int bestLength = 0;
        for (int i = 0; i < message.Contents.Count; i++)
        {
            if (message.Contents[i] is TextContent or FunctionResultContent)
            {
                int length = TextOf(message.Contents[i]).Length;
                if (best < 0 || length > bestLength)
                {
                    best = i;
                    bestLength = length;
                }
            }
        }

        return best;
    }

    private static string TextOf(AIContent content) =>
        content is FunctionResultContent result ? TokenCountCache.ResultText(result.Result) : ((TextContent)content).Text;

    /// <summary>How many characters from the start (or end) of <paramref name="text"/> fit in <paramref name="tokens"/> tokens, cut at a token boundary.</summary>
    internal static int CharsByTokenCount(ITokenCounter counter, ReadOnlySpan<char> text, int tokens, bool fromEnd)
    {
        if (tokens <= 0 || text.IsEmpty)
        {
            return 0;
        }

        if (counter is ITokenBoundaryFinder finder)
        {
            return finder.GetCharCountByTokenCount(text, tokens, fromEnd);
        }

        // Any other counter: the longest prefix (or suffix) that fits, by binary search, never splitting a surrogate pair.
        int low = 0, high = text.Length;
        while (low < high)
        {
            int mid = (low + high + 1) / 2;
            ReadOnlySpan<char> part = fromEnd ? text[(text.Length - mid)..] : text[..mid];
            if (counter.CountTokens(part) <= tokens)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }

        if (low > 0 && low < text.Length)
        {
            char edge = fromEnd ? text[text.Length - low] : text[low - 1];
            if (fromEnd ? char.IsLowSurrogate(edge) : char.IsHighSurrogate(edge))
            {
                low--;
            }
        }

        return low;
    }

    /// <summary>Maps each message to its tool-call group: an assistant message with calls and every message holding their results share the group of the earliest of them.</summary>
    private static bool HasToolCall(ChatMessage message)
    {
        IList<AIContent> contents = message.Contents;
        for (int c = 0; c < contents.Count; c++)
        {
            if (contents[c] is FunctionCallContent)
            {
                return true;
            }
        }

        return false;
    }

    private static int[] ToolGroups(IList<ChatMessage> list)
    {
        int n = list.Count;
        int[] parent = new int[n];
        for (int i = 0; i < n; i++)
        {
            parent[i] = i;
        }

        Dictionary<string, int>? callers = null;
        for (int i = 0; i < n; i++)
        {
            IList<AIContent> contents = list[i].Contents;
            for (int c = 0; c < contents.Count; c++)
            {
                if (contents[c] is FunctionCallContent call)
                {
                    callers ??= new Dictionary<string, int>(StringComparer.Ordinal);
                    callers[call.CallId] = i;
                }
                else if (contents[c] is FunctionResultContent result && callers is not null && callers.TryGetValue(result.CallId, out int caller))
                {
                    Union(parent, caller, i);
                }
            }
        }

        for (int i = 0; i < n; i++)
        {
            parent[i] = Find(parent, i);
        }

        return parent;

        static int Find(int[] parent, int i)
        {
            while (parent[i] != i)
            {
                parent[i] = parent[parent[i]];
                i = parent[i];
            }

            return i;
        }

        static void Union(int[] parent, int a, int b)
        {
            int ra = Find(parent, a), rb = Find(parent, b);
            if (ra != rb)
            {
                // The earliest message is the root, so a group's root is its first message.
                if (ra < rb)
                {
                    parent[rb] = ra;
                }
                else
                {
                    parent[ra] = rb;
                }
            }
        }
    }

    private static void Record(Activity? activity, ChatOptions? chatOptions, int limit, int before, int after, int dropped)
    {
        CallRecord? call = GovernedCall.ObservedRecord;
        call?.ForBudget().Budgeted(before, after, dropped);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(TelemetryNames.Attributes.BudgetLimit, limit);
            activity.SetTag(TelemetryNames.Attributes.BudgetTokensBefore, before);
            activity.SetTag(TelemetryNames.Attributes.BudgetTokensAfter, after);
            activity.SetTag(TelemetryNames.Attributes.BudgetMessagesDropped, dropped);
        }

        if (dropped > 0 && GovernedAiTelemetry.BudgetMessagesDropped.Enabled)
        {
            var tags = default(TagList);
            if (call?.ContractId is { } contractId)
            {
                tags.Add(TelemetryNames.Attributes.ContractId, contractId);
            }

            if (call?.ContractVersion is { } contractVersion)
            {
                tags.Add(TelemetryNames.Attributes.ContractVersion, contractVersion);
            }

            GovernedAiTelemetry.BudgetMessagesDropped.Add(dropped, tags);
        }
    }

    private static string DescribeLargest(IList<ChatMessage> list, int[] counts, int largest) =>
        largest < 0 ? "there are no messages" : $"the largest message is #{largest} ({list[largest].Role}) with {counts[largest]} tokens";

    private static ContextBudgetExceededException Exceeded(string message, string? modelId, int limit, int required, int largest, int[] counts) =>
        new(message, modelId, limit, required, largest, largest >= 0 ? counts[largest] : 0);

    private sealed record WindowChoice(string ModelId, int? Tokens);

    private sealed record CounterChoice(string? ModelId, int Version, ITokenCounter Counter);

    /// <summary>The model the last warning check was for (warned about, or past the bound of warned models).</summary>
    private sealed record WarnedModel(string? ModelId);
}
