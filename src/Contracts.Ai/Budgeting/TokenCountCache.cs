using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Threading;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>
/// Remembers token counts so a growing conversation only tokenizes what is new. Shared by every
/// budgeting stage of the process; safe under concurrency.
/// </summary>
/// <remarks>
/// Two levels. Counts are stored by a 128-bit hash (XxHash128) of everything that is counted (encoding,
/// role, author name and each content's text, name, call id, JSON arguments or result), bounded to two
/// generations of <see cref="GenerationCapacity"/> entries, so equal content in new message objects
/// (a conversation reloaded from storage) is not tokenized again. In front of it, a per-object memo
/// (a weak table that dies with the message) records the exact objects and strings a count was made
/// from; on the next call they are compared by reference, which is what makes re-budgeting a long
/// conversation cost microseconds. Strings are immutable, so an edited text, a replaced content or a
/// changed role never matches; contents whose state cannot be compared that way (argument or result
/// values of mutable types, unknown content types) are hashed again on every call.
/// The tokens a chat format adds around the text are not decided here: they come from the counter's
/// <see cref="ChatTokenOverhead"/>, and cached counts are kept apart per encoding and overhead.
/// </remarks>
internal sealed class TokenCountCache
{
    internal const int GenerationCapacity = 50_000;

    private const int MaxRememberedRoles = 32;

    /// <summary>Texts of at least this many characters are counted with the checkpoints that cutting them needs (kept while the string lives, about 2% of its size).</summary>
    internal const int CheckpointedChars = 32 * 1024;

    // As providers send JSON: MEAI's defaults indent, which would count whitespace the model never sees.
    private static readonly JsonSerializerOptions CompactJson = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    private readonly ConditionalWeakTable<ChatMessage, MessageMemo> _messages = new();
    private readonly ConditionalWeakTable<object, FixedMemo> _fixed = new();
    private readonly ConditionalWeakTable<string, CountedText> _checkpoints = new();
    private readonly ContentHashCache<int> _counts;
    private RoleCount[] _roles = [];
    private long _tokenizerCalls;

    /// <summary>Initializes a new instance of the <see cref="TokenCountCache"/> class.</summary>
    /// <param name="generationCapacity">How many content hashes one generation holds; two generations are kept.</param>
    public TokenCountCache(int generationCapacity = GenerationCapacity)
    {
        _counts = new ContentHashCache<int>(generationCapacity);
    }

    /// <summary>Gets how many counts are stored by content hash (for tests).</summary>
    internal int StoredCounts => _counts.Count;

    /// <summary>Gets how many times a text was actually handed to a tokenizer (for tests).</summary>
    internal long TokenizerCalls => Interlocked.Read(ref _tokenizerCalls);

    /// <summary>Counts one message: its role, author name and contents, plus the overhead the counter's chat format adds (<see cref="ITokenCounter.Overhead"/>).</summary>
    public int CountMessage(ChatMessage message, ITokenCounter counter, int imageTokens)
    {
        MessageMemo? memo = null;
        return CountMessage(message, counter, imageTokens, ref memo);
    }

    /// <summary>Counts one message, trying <paramref name="memo"/> (a hint from an earlier call, possibly of another message) before the per-object table; on return it holds the message's memo, or <see langword="null"/> when its state cannot be compared by reference.</summary>
    public int CountMessage(ChatMessage message, ITokenCounter counter, int imageTokens, ref MessageMemo? memo)
    {
        // A memo matches only the same role, name and content objects with the same texts, so a hint that
        // belonged to another message is still either right or rejected.
        if (memo is not null && memo.Matches(message, counter, imageTokens))
        {
            return memo.Tokens;
        }

        if (_messages.TryGetValue(message, out memo) && memo.Matches(message, counter, imageTokens))
        {
            return memo.Tokens;
        }

        return CountAndRemember(message, counter, imageTokens, out memo);
    }

    /// <summary>
    /// Remembers <paramref name="tokens"/> as the count of <paramref name="message"/> (as <see cref="CountMessage(ChatMessage, ITokenCounter, int)"/>
    /// would count it), when it is not known yet: for a message whose count was found without counting it, such as a truncated one.
    /// </summary>
    public void Remember(ChatMessage message, ITokenCounter counter, int imageTokens, int tokens) =>
        CountAndRemember(message, counter, imageTokens, out _, tokens);

    /// <summary>Counts the instructions as a system message (0 when there are none).</summary>
    public int CountInstructions(string? instructions, ITokenCounter counter)
    {
        if (string.IsNullOrEmpty(instructions))
        {
            return 0;
        }

        if (_fixed.TryGetValue(instructions, out FixedMemo? memo) && ReferenceEquals(memo.Counter, counter))
        {
            return memo.Tokens;
        }

        // A contract renders its prompt into a new string per request: found by content, not remembered by object.
        UInt128 key = XxHash128.HashToUInt128(MemoryMarshal.AsBytes(instructions.AsSpan()), (long)EncodingSeed(counter));
        if (_counts.TryGet(key, out int known))
        {
            return known;
        }

        int tokens = counter.Overhead.PerMessage + CountText(ChatRole.System.Value, counter) + CountText(instructions, counter);
        _counts.Store(key, tokens);
        _fixed.AddOrUpdate(instructions, new FixedMemo(counter, tokens));
        return tokens;
    }

    /// <summary>Counts the tool definitions and the response format's schema.</summary>
    public int CountToolsAndFormat(ChatOptions? options, ITokenCounter counter)
    {
        if (options is null)
        {
            return 0;
        }

        int tokens = 0;
        if (options.Tools is { Count: > 0 } tools)
        {
            tokens = counter.Overhead.PerToolList;
            for (int i = 0; i < tools.Count; i++)
            {
                tokens += CountFixed(tools[i], counter);
            }
        }

        if (options.ResponseFormat is ChatResponseFormatJson { Schema: not null } format)
        {
            tokens += CountFixed(format, counter);
        }

        return tokens;
    }

    private int CountFixed(object definition, ITokenCounter counter)
    {
        if (_fixed.TryGetValue(definition, out FixedMemo? memo) && ReferenceEquals(memo.Counter, counter))
        {
            return memo.Tokens;
        }

        // Apps create tools and options per request, and the tool stage wraps each tool per request: equal
        // definitions in new objects are found by what they say, and such objects are not remembered one by one.
        UInt128? fingerprint = definition switch
        {
            IFingerprintedDeclaration declaration => declaration.DeclarationFingerprint,
            AIFunctionDeclaration function => ContentFingerprint.Of(function),
            ChatResponseFormatJson format => ContentFingerprint.Of(format),
            _ => null,
        };
        UInt128 key = fingerprint is { } value ? value ^ ((UInt128)EncodingSeed(counter) << 64) : default;
        if (fingerprint is not null && _counts.TryGet(key, out int known))
        {
            return known;
        }

        int tokens = counter.Overhead.PerToolDefinition;
        switch (definition)
        {
            case AIFunctionDeclaration function:
                tokens += CountText(function.Name, counter) + CountText(function.Description, counter) + CountText(function.JsonSchema.GetRawText(), counter);
                break;
            case AITool tool:
                tokens += CountText(tool.Name, counter) + CountText(tool.Description, counter);
                break;
            case ChatResponseFormatJson format:
                tokens += CountText(format.SchemaName, counter) + CountText(format.SchemaDescription, counter) + CountText(format.Schema!.Value.GetRawText(), counter);
                break;
        }

        if (fingerprint is null)
        {
            _fixed.AddOrUpdate(definition, new FixedMemo(counter, tokens));
        }
        else
        {
            _counts.Store(key, tokens);
        }

        return tokens;
    }

    private static ulong EncodingSeed(ITokenCounter counter) =>
        XxHash3.HashToUInt64(MemoryMarshal.AsBytes(counter.Encoding.AsSpan())) ^ counter.Overhead.Fingerprint;

    private int CountAndRemember(ChatMessage message, ITokenCounter counter, int imageTokens, out MessageMemo? memo, int knownTokens = -1)
    {
        var parts = new PooledList<string>(8);
        var state = new PooledList<object?>(8);
        try
        {
            bool comparable = true;
            string role = message.Role.Value;
            ChatTokenOverhead overhead = counter.Overhead;
            int fixedTokens = overhead.PerMessage + CountRole(role, counter);

            parts.Add(role);
            if (message.AuthorName is { } authorName)
            {
                fixedTokens += overhead.PerName;
                parts.Add(authorName);
            }

            IList<AIContent> contents = message.Contents;
            for (int i = 0; i < contents.Count; i++)
            {
                AIContent content = contents[i];
                state.Add(content);
                switch (content)
                {
                    case TextContent text:
                        parts.Add(text.Text);
                        state.Add(text.Text);
                        break;

                    case TextReasoningContent reasoning:
                        parts.Add(reasoning.Text);
                        state.Add(reasoning.Text);
                        break;

                    case FunctionCallContent call:
                        fixedTokens += overhead.PerToolCall;
                        parts.Add(call.CallId);
                        parts.Add(call.Name);
                        parts.Add(call.Arguments is null ? "{}" : JsonSerializer.Serialize(call.Arguments, CompactJson.GetTypeInfo(typeof(IDictionary<string, object?>))));
                        state.Add(call.CallId);
                        state.Add(call.Name);
                        comparable &= AddArgumentsState(call.Arguments, ref state);
                        break;

                    case FunctionResultContent result:
                        parts.Add(result.CallId);
                        parts.Add(ResultText(result.Result));
                        state.Add(result.CallId);
                        state.Add(result.Result);
                        comparable &= IsImmutable(result.Result);
                        break;

                    case DataContent data:
                        // Data and media type are fixed at construction, so the object is its state.
                        fixedTokens += data.HasTopLevelMediaType("image") ? imageTokens : (data.Data.Length + 2) / 3;
                        break;

                    case UriContent uri:
                        state.Add(uri.Uri);
                        state.Add(uri.MediaType);
                        if (uri.HasTopLevelMediaType("image"))
                        {
                            fixedTokens += imageTokens;
                        }
                        else
                        {
                            parts.Add(uri.Uri.OriginalString);
                        }

                        break;

                    default:
                        // Unknown content: counted by its JSON form, never as zero; compared by content each call.
                        parts.Add(SerializeUnknown(content));
                        comparable = false;
                        break;
                }
            }

            UInt128 key = Hash(counter.Encoding, imageTokens, fixedTokens, parts.AsSpan());
            if (!_counts.TryGet(key, out int tokens))
            {
                // A count found without counting is taken as it is; otherwise the role (the first part) is already in the fixed tokens.
                tokens = knownTokens >= 0 ? knownTokens : fixedTokens;
                if (knownTokens < 0)
                {
                    foreach (string part in parts.AsSpan()[1..])
                    {
                        tokens += CountText(part, counter);
                    }
                }

                _counts.Store(key, tokens);
            }

            memo = comparable ? new MessageMemo(counter, imageTokens, message.Role.Value, message.AuthorName, state.AsSpan().ToArray(), tokens) : null;
            if (memo is not null)
            {
                _messages.AddOrUpdate(message, memo);
            }

            return tokens;
        }
        finally
        {
            parts.Dispose();
            state.Dispose();
        }
    }

    /// <summary>Counts a role name once per counter: a conversation has a handful of roles, and tokenizing "user" for every new message costs more than the lookup.</summary>
    private int CountRole(string role, ITokenCounter counter)
    {
        RoleCount[] known = Volatile.Read(ref _roles);
        foreach (RoleCount entry in known)
        {
            if (ReferenceEquals(entry.Counter, counter) && (ReferenceEquals(entry.Role, role) || string.Equals(entry.Role, role, StringComparison.Ordinal)))
            {
                return entry.Tokens;
            }
        }

        int tokens = CountText(role, counter);
        if (known.Length < MaxRememberedRoles)
        {
            // Copy on write; a lost race only means one role is counted again later.
            Volatile.Write(ref _roles, [.. known, new RoleCount(counter, role, tokens)]);
        }

        return tokens;
    }

    private int CountText(string? text, ITokenCounter counter)
    {
        if (string.IsNullOrEmpty(text))
        {
            return 0;
        }

        Interlocked.Increment(ref _tokenizerCalls);
        if (text.Length >= CheckpointedChars && counter is ITokenCutFinder finder)
        {
            // A text this long may have to be cut: counted with its checkpoints, so the cut does not merge it a second time.
            var checkpoints = new TokenCheckpoints();
            int tokens = finder.CountWithCheckpoints(text, checkpoints);
            RememberCheckpoints(text, counter, checkpoints);
            return tokens;
        }

        return counter.CountTokens(text);
    }

    /// <summary>
    /// Gets the checkpoints taken when <paramref name="text"/> (this very string) was counted by <paramref name="counter"/>, or
    /// <see langword="null"/>; they are read only from then on, so one truncation or many at once may use them.
    /// </summary>
    public TokenCheckpoints? CheckpointsOf(string text, ITokenCounter counter) =>
        _checkpoints.TryGetValue(text, out CountedText? counted) && ReferenceEquals(counted.Counter, counter) ? counted.Checkpoints : null;

    /// <summary>Remembers the checkpoints of a text counted by <paramref name="counter"/>, for as long as the string lives.</summary>
    public void RememberCheckpoints(string text, ITokenCounter counter, TokenCheckpoints checkpoints) =>
        _checkpoints.AddOrUpdate(text, new CountedText(counter, checkpoints));

    private static UInt128 Hash(string encoding, int imageTokens, int fixedTokens, ReadOnlySpan<string> parts)
    {
        // One contiguous buffer, each text prefixed by its length, hashed in one pass without allocating.
        int length = encoding.Length + 8;
        foreach (string part in parts)
        {
            length += part.Length + 2;
        }

        char[] buffer = ArrayPool<char>.Shared.Rent(length);
        try
        {
            int position = 0;
            Write(buffer, ref position, imageTokens);
            Write(buffer, ref position, fixedTokens);
            Write(buffer, ref position, parts.Length);
            WriteText(buffer, ref position, encoding);
            foreach (string part in parts)
            {
                WriteText(buffer, ref position, part);
            }

            return XxHash128.HashToUInt128(MemoryMarshal.AsBytes(buffer.AsSpan(0, position)));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }

        static void Write(char[] buffer, ref int position, int value)
        {
            buffer[position++] = (char)(value >> 16);
            buffer[position++] = (char)value;
        }

        static void WriteText(char[] buffer, ref int position, string text)
        {
            Write(buffer, ref position, text.Length);
            text.CopyTo(0, buffer, position, text.Length);
            position += text.Length;
        }
    }

    private static bool AddArgumentsState(IDictionary<string, object?>? arguments, ref PooledList<object?> state)
    {
        state.Add(arguments);
        if (arguments is null)
        {
            return true;
        }

        state.Add(arguments.Count);
        bool comparable = true;
        foreach (KeyValuePair<string, object?> argument in arguments)
        {
            state.Add(argument.Key);
            state.Add(argument.Value);
            comparable &= IsImmutable(argument.Value);
        }

        return comparable;
    }

    internal static bool IsImmutable(object? value) =>
        value is null or string or JsonElement or bool or int or long or double or float or decimal or short or byte
            or sbyte or ushort or uint or ulong or char or Guid or DateTime or DateTimeOffset or TimeSpan or Enum;

    internal static string ResultText(object? result) => result switch
    {
        null => string.Empty,
        string text => text,
        JsonElement { ValueKind: JsonValueKind.String } element => element.GetString() ?? string.Empty,
        JsonElement element => element.GetRawText(),
        _ => SerializeValue(result),
    };

    private static string SerializeValue(object value)
    {
        try
        {
            return JsonSerializer.Serialize(value, CompactJson.GetTypeInfo(value.GetType()));
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException)
        {
            return value.ToString() ?? string.Empty;
        }
    }

    private static string SerializeUnknown(AIContent content)
    {
        try
        {
            return JsonSerializer.Serialize(content, CompactJson.GetTypeInfo(typeof(AIContent)));
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException)
        {
            return content.ToString() ?? content.GetType().Name;
        }
    }

    /// <summary>What a message's count was made from, compared by reference on the next call.</summary>
    internal sealed class MessageMemo
    {
        private readonly ITokenCounter _counter;
        private readonly int _imageTokens;
        private readonly string _role;
        private readonly string? _authorName;
        private readonly object?[] _state;

        // The common message, one text content, is checked without walking the state.
        private readonly TextContent? _singleText;
        private readonly string? _singleTextValue;

        public MessageMemo(ITokenCounter counter, int imageTokens, string role, string? authorName, object?[] state, int tokens)
        {
            _counter = counter;
            _imageTokens = imageTokens;
            _role = role;
            _authorName = authorName;
            _state = state;
            Tokens = tokens;
            if (state.Length == 2 && state[0] is TextContent text && state[1] is string value)
            {
                _singleText = text;
                _singleTextValue = value;
            }
        }

        public int Tokens { get; }

        public bool Matches(ChatMessage message, ITokenCounter currentCounter, int currentImageTokens)
        {
            if (!ReferenceEquals(_counter, currentCounter) || _imageTokens != currentImageTokens ||
                !ReferenceEquals(message.AuthorName, _authorName) || !ReferenceEquals(message.Role.Value, _role))
            {
                return false;
            }

            IList<AIContent> contents = message.Contents;
            if (_singleText is not null)
            {
                return contents is List<AIContent> list
                    ? list.Count == 1 && ReferenceEquals(list[0], _singleText) && ReferenceEquals(_singleText.Text, _singleTextValue)
                    : contents.Count == 1 && ReferenceEquals(contents[0], _singleText) && ReferenceEquals(_singleText.Text, _singleTextValue);
            }

            object?[] state = _state;
            int s = 0;
            for (int i = 0; i < contents.Count; i++)
            {
                AIContent content = contents[i];
                if (s >= state.Length || !ReferenceEquals(state[s++], content))
                {
                    return false;
                }

                switch (content)
                {
                    case TextContent text:
                        if (!Next(ref s, text.Text))
                        {
                            return false;
                        }

                        break;
                    case TextReasoningContent reasoning:
                        if (!Next(ref s, reasoning.Text))
                        {
                            return false;
                        }

                        break;
                    case FunctionCallContent call:
                        if (!Next(ref s, call.CallId) || !Next(ref s, call.Name) || !ArgumentsMatch(ref s, call.Arguments))
                        {
                            return false;
                        }

                        break;
                    case FunctionResultContent result:
                        if (!Next(ref s, result.CallId) || !Next(ref s, result.Result))
                        {
                            return false;
                        }

                        break;
                    case UriContent uri:
                        if (!Next(ref s, uri.Uri) || !Next(ref s, uri.MediaType))
                        {
                            return false;
                        }

                        break;
                }
            }

            return s == state.Length;
        }

        private bool Next(ref int s, object? expected) => s < _state.Length && ReferenceEquals(_state[s++], expected);

        private bool ArgumentsMatch(ref int s, IDictionary<string, object?>? arguments)
        {
            if (!Next(ref s, arguments))
            {
                return false;
            }

            if (arguments is null)
            {
                return true;
            }

            if (s >= _state.Length || _state[s++] is not int count || count != arguments.Count)
            {
                return false;
            }

            if (arguments is Dictionary<string, object?> dictionary)
            {
                foreach (KeyValuePair<string, object?> argument in dictionary)
                {
                    if (!Next(ref s, argument.Key) || !Next(ref s, argument.Value))
                    {
                        return false;
                    }
                }

                return true;
            }

            foreach (KeyValuePair<string, object?> argument in arguments)
            {
                if (!Next(ref s, argument.Key) || !Next(ref s, argument.Value))
                {
                    return false;
                }
            }

            return true;
        }
    }

    private sealed record FixedMemo(ITokenCounter Counter, int Tokens);

    private sealed record CountedText(ITokenCounter Counter, TokenCheckpoints Checkpoints);

    private sealed record RoleCount(ITokenCounter Counter, string Role, int Tokens);

    /// <summary>A list on a pooled array, for the parts of one message while it is counted.</summary>
    private struct PooledList<T>(int capacity)
    {
        private T[] _items = ArrayPool<T>.Shared.Rent(capacity);
        private int _count;

        public void Add(T item)
        {
            if (_count == _items.Length)
            {
                T[] larger = ArrayPool<T>.Shared.Rent(_items.Length * 2);
                _items.AsSpan(0, _count).CopyTo(larger);
                ArrayPool<T>.Shared.Return(_items, clearArray: true);
                _items = larger;
            }

            _items[_count++] = item;
        }

        public readonly Span<T> AsSpan() => _items.AsSpan(0, _count);

        public void Dispose()
        {
            ArrayPool<T>.Shared.Return(_items, clearArray: true);
            _items = [];
            _count = 0;
        }
    }
}
