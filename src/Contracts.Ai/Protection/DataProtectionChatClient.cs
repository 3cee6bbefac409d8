using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Compliance.Redaction;
using Microsoft.Extensions.Logging;

namespace Contracts.Ai;

/// <summary>Screens input and tool output for prompt injection and redacts PII by policy.</summary>
/// <remarks>
/// <para>
/// Outgoing messages: text of system, user and earlier assistant messages gets the
/// <see cref="DataProtectionPolicy.OutboundPrompt"/> PII policy; tool-call arguments the
/// <see cref="DataProtectionPolicy.ToolArguments"/> policy; tool results
/// (<see cref="FunctionResultContent"/>) the <see cref="DataProtectionPolicy.ToolResults"/> policy.
/// Every message that reaches the model is screened for injection, whatever its position or role: text of
/// user, system and assistant messages (a caller may send all three) as <see cref="ContentOrigin.UserPrompt"/>,
/// tool results as <see cref="ContentOrigin.ToolOutput"/>, messages marked by <see cref="RetrievedDocuments"/> as
/// <see cref="ContentOrigin.RetrievedDocument"/>, each handled by its <see cref="InjectionAction"/>. Each message
/// boundary is also screened with the end of the text before it, so an instruction split across messages is seen
/// whole (assistant turns are screened on their own and skipped by the join). Under <see cref="InjectionAction.Isolate"/> tool results and retrieved documents are spotlighted (after any
/// marker look-alike in them is neutralised) and the system prompt says that marked text is data. Only a spotlight
/// this screen made is taken as screened, recognised by its hash: markers in content prove nothing.
/// </para>
/// <para>
/// The model's answer gets the <see cref="DataProtectionPolicy.ModelOutput"/> policy; when streaming,
/// text is held back by a short window so that a value split across updates is still caught.
/// The caller's messages are never changed: changed messages are copies, and messages that need no change
/// are sent as they are. Each text is screened once: the outcome is remembered by a hash of the content
/// (never the content itself) in a bounded cache, so a growing conversation pays only for what is new,
/// while a remembered redaction or injection verdict is still counted and acted on in every call it applies to. The policy is the contract's
/// (<see cref="DataProtectionOptions.ContractPolicies"/>) when the call is governed by one.
/// A stage of the governed pipeline; add it with <c>ChatClientBuilder.UseDataProtection()</c> or as
/// part of <c>UseGovernedAi()</c>. Safe to use concurrently.
/// </para>
/// </remarks>
public sealed class DataProtectionChatClient : DelegatingChatClient
{
    private const int StreamingWindow = 256;

    private readonly ContentScreen _screen;

    // What the screen remembers of the texts of the last conversation, by message position: a growing conversation
    // finds its texts again with a reference check. Written without locks by concurrent calls; a hint that belongs to
    // another text is only a hint (it is checked against the text before it is used). Holds at most 64 texts alive.
    private readonly ScreenedText?[] _hints = new ScreenedText?[64];

    // The last conversation sent on without a finding: a request that starts with it is screened from where it ended.
    private CleanConversation? _clean;

    /// <summary>Initializes a new instance of the <see cref="DataProtectionChatClient"/> class with the built-in recognizer and detector.</summary>
    /// <param name="innerClient">The client the stage wraps.</param>
    /// <param name="options">The stage's options; <see langword="null"/> for defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerClient"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> are invalid.</exception>
    public DataProtectionChatClient(IChatClient innerClient, DataProtectionOptions? options = null)
        : this(innerClient, options, null, null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="DataProtectionChatClient"/> class.</summary>
    /// <param name="innerClient">The client the stage wraps.</param>
    /// <param name="options">The stage's options; <see langword="null"/> for defaults.</param>
    /// <param name="recognizer">Finds personal data and secrets; <see langword="null"/> for <see cref="DefaultPiiRecognizer"/>.</param>
    /// <param name="detector">Screens for injection; <see langword="null"/> for <see cref="HeuristicInjectionDetector"/> with the options' thresholds.</param>
    /// <param name="redactorProvider">The app's redactors for <see cref="RedactionStyle.Redactor"/>, or <see langword="null"/>.</param>
    /// <param name="logger">Logs detections (never content), or <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerClient"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> are invalid.</exception>
    public DataProtectionChatClient(
        IChatClient innerClient,
        DataProtectionOptions? options,
        IPiiRecognizer? recognizer,
        IInjectionDetector? detector,
        IRedactorProvider? redactorProvider = null,
        ILogger? logger = null)
        : base(innerClient)
    {
        options ??= new DataProtectionOptions();
        _screen = new ContentScreen(
            new PiiRedactor(recognizer ?? new DefaultPiiRecognizer(), options, redactorProvider),
            detector ?? new HeuristicInjectionDetector(options.InjectionThresholds),
            logger);
    }

    internal DataProtectionChatClient(IChatClient innerClient, ContentScreen screen)
        : base(innerClient)
    {
        _screen = screen;
    }

    /// <summary>Gets the stage's options.</summary>
    public DataProtectionOptions Options => _screen.Options;

    /// <inheritdoc />
    public override Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        GovernedCall? current = GovernedCall.Current;
        GovernedCall? call = ObservedOf(current);
        DataProtectionPolicy policy = PolicyOf(options, current);
        ValueTask<IEnumerable<ChatMessage>> outgoing = ProtectOutgoingAsync(messages, policy, call, cancellationToken);
        if (!outgoing.IsCompletedSuccessfully)
        {
            return GetProtectedResponseAsync(outgoing, options, policy, call, cancellationToken);
        }

        Task<ChatResponse> pending = base.GetResponseAsync(outgoing.Result, options, cancellationToken);
        if (!pending.IsCompletedSuccessfully)
        {
            return ProtectAnswerAsync(pending, policy, call);
        }

        // Screened and answered at once: the answer is protected in place, without a state machine of this stage.
        try
        {
            ProtectAnswer(pending.Result, policy, call);
        }
        catch (Exception ex)
        {
            return Task.FromException<ChatResponse>(ex);
        }

        return pending;
    }

    private async Task<ChatResponse> GetProtectedResponseAsync(
        ValueTask<IEnumerable<ChatMessage>> outgoing, ChatOptions? options, DataProtectionPolicy policy, GovernedCall? call, CancellationToken cancellationToken)
    {
        ChatResponse response = await base.GetResponseAsync(await outgoing.ConfigureAwait(false), options, cancellationToken).ConfigureAwait(false);
        ProtectAnswer(response, policy, call);
        return response;
    }

    private async Task<ChatResponse> ProtectAnswerAsync(Task<ChatResponse> pending, DataProtectionPolicy policy, GovernedCall? call)
    {
        ChatResponse response = await pending.ConfigureAwait(false);
        ProtectAnswer(response, policy, call);
        return response;
    }

    private void ProtectAnswer(ChatResponse response, DataProtectionPolicy policy, GovernedCall? call)
    {
        // Text the policy lets through unchanged is not visited; calls' arguments always are (their policy is asked per call).
        bool textPasses = policy.ModelOutput.AllowsEverything;
        IList<ChatMessage> answer = response.Messages;
        for (int m = 0; m < answer.Count; m++)
        {
            IList<AIContent> contents = answer[m].Contents;
            if (textPasses && contents is List<AIContent> list && !MayChange(CollectionsMarshal.AsSpan(list)))
            {
                // The usual answer, text only: read without interface calls.
                continue;
            }

            for (int i = 0; i < contents.Count; i++)
            {
                AIContent content = contents[i];
                if (content is TextContent ? textPasses : content is not FunctionCallContent)
                {
                    continue;
                }

                AIContent protectedContent = ProtectModelContent(content, policy, call);
                if (!ReferenceEquals(protectedContent, content))
                {
                    contents[i] = protectedContent;
                }
            }
        }
    }

    /// <summary>Gets a value indicating whether a policy that lets text through could change any of <paramref name="contents"/>: only a function call's arguments could.</summary>
    private static bool MayChange(ReadOnlySpan<AIContent> contents)
    {
        foreach (AIContent content in contents)
        {
            if (content is FunctionCallContent)
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        GovernedCall? current = GovernedCall.Current;
        GovernedCall? call = ObservedOf(current);
        DataProtectionPolicy policy = PolicyOf(options, current);
        IEnumerable<ChatMessage> outgoing = await ProtectOutgoingAsync(messages, policy, call, cancellationToken).ConfigureAwait(false);
        bool holdBack = !policy.ModelOutput.AllowsEverything;
        StringBuilder? pending = null;
        ChatResponseUpdate? last = null;
        await foreach (ChatResponseUpdate update in base.GetStreamingResponseAsync(outgoing, options, cancellationToken).ConfigureAwait(false))
        {
            last = update;
            IList<AIContent> contents = update.Contents;
            for (int i = 0; i < contents.Count; i++)
            {
                if (holdBack && contents[i] is TextContent text)
                {
                    (pending ??= new StringBuilder()).Append(text.Text);
                    string ready = TakeReady(pending, final: false, policy, call);
                    if (ready.Length == 0)
                    {
                        contents.RemoveAt(i--);
                    }
                    else
                    {
                        contents[i] = CopyText(text, ready);
                    }
                }
                else if (contents[i] is not TextContent)
                {
                    // Text not held back is text the policy lets through as it is.
                    AIContent content = contents[i];
                    AIContent protectedContent = ProtectModelContent(content, policy, call);
                    if (!ReferenceEquals(protectedContent, content))
                    {
                        contents[i] = protectedContent;
                    }
                }
            }

            yield return update;
        }

        if (pending is { Length: > 0 })
        {
            string rest = TakeReady(pending, final: true, policy, call);
            yield return new ChatResponseUpdate(ChatRole.Assistant, rest)
            {
                ResponseId = last?.ResponseId,
                MessageId = last?.MessageId,
                ConversationId = last?.ConversationId,
                ModelId = last?.ModelId,
            };
        }
    }

    /// <summary>The current call when it is observed (<see cref="GovernedCall.Observed"/>), from the current call read once.</summary>
    private static GovernedCall? ObservedOf(GovernedCall? current) => current?.Record is null ? null : current;

    /// <summary>The policy of the call's contract (<see cref="DataProtectionOptions.ContractPolicies"/>), else the stage's policy.</summary>
    private DataProtectionPolicy PolicyOf(ChatOptions? options, GovernedCall? current)
    {
        DataProtectionOptions stage = Options;
        if (stage.ContractPolicies is { Count: 0 })
        {
            // No contract has its own policy: the contract id need not be looked for.
            return stage.Policy;
        }

        // The observed call's contract, else the one the call's context (or, used on its own, the options) names.
        string? contractId = current?.Record?.ContractId ?? (current?.Context ?? options.GetGovernanceContext())?.ContractId;
        return stage.PolicyFor(contractId);
    }

    /// <summary>Returns the held-back text that can be released: all of it at the end, else all but a window, never cutting through a finding.</summary>
    private string TakeReady(StringBuilder pending, bool final, DataProtectionPolicy policy, GovernedCall? call)
    {
        string text = pending.ToString();
        int boundary = final ? text.Length : text.Length - StreamingWindow;
        if (boundary <= 0)
        {
            return string.Empty;
        }

        if (!final)
        {
            foreach (PiiMatch match in _screen.Redactor.Recognizer.Recognize(text))
            {
                if (match.Start < boundary && match.End > boundary)
                {
                    boundary = match.Start;
                }
            }

            // A private key block can be longer than the window: hold from its start until it ends.
            int begin = text.IndexOf("-----BEGIN", StringComparison.Ordinal);
            if (begin >= 0 && begin < boundary && text.IndexOf("-----END", begin, StringComparison.Ordinal) < 0)
            {
                boundary = begin;
            }
        }

        if (boundary <= 0)
        {
            return string.Empty;
        }

        pending.Remove(0, boundary);
        return _screen.RedactPii(text[..boundary], policy.ModelOutput, DataDirection.ModelOutput, "the model output", call);
    }

    private AIContent ProtectModelContent(AIContent content, DataProtectionPolicy policy, GovernedCall? call) => content switch
    {
        TextContent text => CopyText(text, _screen.RedactPii(text.Text, policy.ModelOutput, DataDirection.ModelOutput, "the model output", call)),
        FunctionCallContent functionCall => ProtectArguments(functionCall, policy.ToolArguments, call),
        _ => content,
    };

    private ValueTask<IEnumerable<ChatMessage>> ProtectOutgoingAsync(
        IEnumerable<ChatMessage> messages, DataProtectionPolicy policy, GovernedCall? call, CancellationToken cancellationToken)
    {
        // The usual shape first: an exact type check is cheaper than the interface cast.
        IReadOnlyList<ChatMessage> list = messages as List<ChatMessage> ?? messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        int outboundFingerprint = ContentScreen.PolicyFingerprint(policy.OutboundPrompt);
        CleanConversation? clean = Volatile.Read(ref _clean);
        if (clean is null || !clean.Starts(list, policy, outboundFingerprint))
        {
            clean = null;
        }
        else if (clean.Count == list.Count)
        {
            // Sent before, found clean, nothing recorded: the same messages go on, without a state machine.
            return new ValueTask<IEnumerable<ChatMessage>>(list);
        }

        return ProtectOutgoingAsync(list, clean, policy, outboundFingerprint, call, cancellationToken);
    }

    private async ValueTask<IEnumerable<ChatMessage>> ProtectOutgoingAsync(
        IReadOnlyList<ChatMessage> list, CleanConversation? clean, DataProtectionPolicy policy, int outboundFingerprint, GovernedCall? call, CancellationToken cancellationToken)
    {
        List<ChatMessage>? result = null;
        bool spotlighted = false;

        // The texts of the conversation so far, for screening across message boundaries; a spotlighted text ends a run.
        // What was sent before and found clean starts the run where it ended.
        Boundary run = Boundary.Rent();
        int start = 0;
        if (clean is not null)
        {
            run.Restore(clean.RunPieces, clean.RunFingerprints);
            start = clean.Count;
        }

        bool plain = list.Count <= CleanConversation.MaxMessages;
        PiiPolicy outbound = policy.OutboundPrompt;
        for (int i = start; i < list.Count; i++)
        {
            ChatMessage message = list[i];
            plain = plain && CleanConversation.IsPlainText(message);
            bool retrieved = message.IsRetrievedDocument();
            IList<AIContent> contents = message.Contents;
            List<AIContent>? replaced = null;
            for (int j = 0; j < contents.Count; j++)
            {
                AIContent content = contents[j];
                AIContent protectedContent = content;
                switch (content)
                {
                    case TextContent text when retrieved:
                        (protectedContent, bool marked) = await ProtectUntrustedTextAsync(text, ContentOrigin.RetrievedDocument, policy.RetrievedDocuments, policy, i, call, cancellationToken).ConfigureAwait(false);
                        spotlighted |= marked;
                        await run.NextAsync(_screen, text.Text, marked, ContentOrigin.RetrievedDocument, policy.RetrievedDocuments, i, call, cancellationToken).ConfigureAwait(false);
                        break;
                    case TextContent text:
                        string prompt = text.Text;
                        if (prompt.Length == 0)
                        {
                            // Nothing to screen, but like any text of the caller's it parts the run (as before).
                            if (message.Role != ChatRole.Assistant)
                            {
                                run.Part();
                            }

                            break;
                        }

                        // The same string sent again is found by reference: what was found for it (its fingerprint, injection
                        // verdict, PII outcome, boundary) costs no hash, and is still counted and acted on in this call.
                        ScreenedText screened = Screened(prompt, i);

                        // Whatever its role: a caller can send system and assistant turns as well as user ones.
                        InjectionVerdict? verdict = await _screen.DetectAsync(prompt, screened, ContentOrigin.UserPrompt, policy.UserPrompts, ContentPlace.InMessage(PlaceOf(message.Role), i), call, cancellationToken).ConfigureAwait(false);
                        plain = plain && verdict?.IsInjection != true;
                        if (message.Role != ChatRole.Assistant)
                        {
                            // The model's turns neither join nor part the caller's texts: a forged "ok" between two halves hides nothing.
                            await run.NextAsync(_screen, prompt, screened, false, ContentOrigin.UserPrompt, policy.UserPrompts, i, call, cancellationToken).ConfigureAwait(false);
                        }

                        protectedContent = CopyText(text, _screen.RedactPii(prompt, screened, outbound, outboundFingerprint, DataDirection.OutboundPrompt, ContentPlace.InMessage("the prompt", i), call));

                        // A finding that is only counted (or logged) changes nothing here, but must be counted again next time.
                        plain = plain && (outbound.AllowsEverything || screened.Pii is { Redactions: 0 });
                        break;
                    case FunctionCallContent functionCall:
                        protectedContent = ProtectArguments(functionCall, policy.ToolArguments, call);
                        break;
                    case FunctionResultContent functionResult:
                        (protectedContent, bool isolated, string? resultText) = await ProtectToolResultAsync(functionResult, policy, call, cancellationToken).ConfigureAwait(false);
                        spotlighted |= isolated;
                        if (resultText is not null)
                        {
                            await run.NextAsync(_screen, resultText, isolated, ContentOrigin.ToolOutput, policy.ToolOutput, i, call, cancellationToken).ConfigureAwait(false);
                        }

                        break;
                }

                if (!ReferenceEquals(protectedContent, content))
                {
                    replaced ??= [.. contents];
                    replaced[j] = protectedContent;
                }
            }

            if (replaced is not null)
            {
                result ??= [.. list];
                result[i] = new ChatMessage(message.Role, replaced)
                {
                    AuthorName = message.AuthorName,
                    MessageId = message.MessageId,
                    CreatedAt = message.CreatedAt,
                    AdditionalProperties = message.AdditionalProperties,
                };
            }
        }

        if (plain && result is null && !spotlighted && !run.SawInjection)
        {
            Volatile.Write(ref _clean, CleanConversation.Remember(policy, outboundFingerprint, list, run.Pieces(), run.Fingerprints()));
        }

        run.Return();
        if (spotlighted)
        {
            result ??= [.. list];
            AddSpotlightingInstruction(result);
        }

        return (IEnumerable<ChatMessage>?)result ?? list;
    }

    /// <summary>What the screen remembers of the text of message <paramref name="index"/>: the last conversation's hint when it is this very text, else the screen's entry.</summary>
    private ScreenedText Screened(string text, int index)
    {
        ScreenedText?[] hints = _hints;
        if ((uint)index >= (uint)hints.Length)
        {
            return _screen.Screened(text);
        }

        if (hints[index] is { } hint && ReferenceEquals(hint.Text, text))
        {
            return hint;
        }

        return hints[index] = _screen.Screened(text);
    }

    private static string PlaceOf(ChatRole role) =>
        role == ChatRole.User ? "the user prompt"
        : role == ChatRole.System ? "a system message"
        : role == ChatRole.Assistant ? "an assistant message"
        : "a message";

    private async ValueTask<(AIContent Content, bool Spotlighted)> ProtectUntrustedTextAsync(
        TextContent text, ContentOrigin origin, InjectionAction action, DataProtectionPolicy policy, int index, GovernedCall? call, CancellationToken cancellationToken)
    {
        // Only a spotlight this stage or tool governance made is taken as screened; markers in the content prove nothing.
        if (_screen.IsOwnSpotlight(text.Text))
        {
            return (text, true);
        }

        ContentPlace where = ContentPlace.InMessage("a retrieved document", index);
        await _screen.DetectAsync(text.Text, origin, action, where, call, cancellationToken).ConfigureAwait(false);
        string redacted = _screen.RedactPii(text.Text, policy.OutboundPrompt, DataDirection.OutboundPrompt, where, call);
        bool isolate = action == InjectionAction.Isolate;
        return (CopyText(text, isolate ? _screen.Spotlight(redacted) : redacted), isolate);
    }

    private async ValueTask<(AIContent Content, bool Spotlighted, string? Text)> ProtectToolResultAsync(
        FunctionResultContent result, DataProtectionPolicy policy, GovernedCall? call, CancellationToken cancellationToken)
    {
        string? text = ResultText(result.Result);
        if (text is null)
        {
            return (result, false, null);
        }

        // Tool governance screened it already when it is that screen's own spotlight; markers in the content prove nothing.
        if (_screen.IsOwnSpotlight(text))
        {
            return (result, true, text);
        }

        ContentPlace where = ContentPlace.Named("the result of tool call", result.CallId);
        await _screen.DetectAsync(text, ContentOrigin.ToolOutput, policy.ToolOutput, where, call, cancellationToken).ConfigureAwait(false);
        string redacted = _screen.RedactPii(text, policy.ToolResults, DataDirection.ToolResults, where, call);
        bool isolate = policy.ToolOutput == InjectionAction.Isolate;
        if (isolate)
        {
            redacted = _screen.Spotlight(redacted);
        }

        // Nothing to change: the caller's content goes as it is, whatever the type of its result.
        if (ReferenceEquals(redacted, text))
        {
            return (result, false, text);
        }

        return (new FunctionResultContent(result.CallId, redacted) { Exception = result.Exception, AdditionalProperties = result.AdditionalProperties }, isolate, text);
    }

    /// <summary>
    /// The texts sent so far in a run of unspotlighted content, so each message boundary is screened with the end of
    /// what came before: "Ignore all previous" and "instructions and ..." in two messages read as one.
    /// </summary>
    private sealed class Boundary
    {
        private const int MaxPieces = 8;

        // One spare per thread, taken while a call uses it and put back by the thread the call ends on (a call that
        // fails just drops it): a call's run costs no allocation. It holds no text between calls.
        [ThreadStatic]
        private static Boundary? t_spare;

        private string[]? _pieces;
        private UInt128[]? _fingerprints;
        private int _count;
        private int _chars;

        public static Boundary Rent()
        {
            Boundary? spare = t_spare;
            if (spare is null)
            {
                return new Boundary();
            }

            t_spare = null;
            return spare;
        }

        /// <summary>Gets a value indicating whether a text joined across a boundary read as an injection in this run.</summary>
        public bool SawInjection { get; private set; }

        public void Return()
        {
            if (_pieces is not null)
            {
                Array.Clear(_pieces);
            }

            Part();
            SawInjection = false;
            t_spare = this;
        }

        /// <summary>Starts the run with the pieces another run ended with.</summary>
        public void Restore(string[] pieces, UInt128[] fingerprints)
        {
            for (int i = 0; i < pieces.Length; i++)
            {
                Add(pieces[i], fingerprints[i]);
            }
        }

        /// <summary>Copies the pieces the run holds, oldest first.</summary>
        public string[] Pieces() => _count == 0 ? [] : _pieces.AsSpan(0, _count).ToArray();

        /// <summary>Copies the fingerprints of <see cref="Pieces"/>.</summary>
        public UInt128[] Fingerprints() => _count == 0 ? [] : _fingerprints.AsSpan(0, _count).ToArray();

        public ValueTask NextAsync(
            ContentScreen screen, string text, bool spotlighted, ContentOrigin origin, InjectionAction action, int index, GovernedCall? call, CancellationToken cancellationToken) =>
            NextAsync(screen, text, spotlighted || text.Length == 0 ? null : screen.Screened(text), spotlighted, origin, action, index, call, cancellationToken);

        public ValueTask NextAsync(
            ContentScreen screen, string text, ScreenedText? screened, bool spotlighted, ContentOrigin origin, InjectionAction action, int index, GovernedCall? call, CancellationToken cancellationToken)
        {
            if (spotlighted || text.Length == 0)
            {
                // Marked data is isolated from what surrounds it: nothing joins across it.
                Part();
                return default;
            }

            UInt128 fingerprint = screened!.Fingerprint;
            if (_count == 0)
            {
                Add(text, fingerprint);
                return default;
            }

            ValueTask<InjectionVerdict?> verdict = screen.DetectAcrossAsync(
                _pieces!, _fingerprints!, _count, text, screened, origin, action, ContentPlace.InMessage("text joined across messages", index), call, cancellationToken);
            if (verdict.IsCompletedSuccessfully)
            {
                // A boundary screened before: no state machine.
                SawInjection |= verdict.Result?.IsInjection == true;
                Add(text, fingerprint);
                return default;
            }

            return AddAfterAsync(verdict, text, fingerprint);
        }

        /// <summary>Ends the run: nothing before this point joins what follows.</summary>
        public void Part()
        {
            _count = 0;
            _chars = 0;
        }

        private async ValueTask AddAfterAsync(ValueTask<InjectionVerdict?> screened, string text, UInt128 fingerprint)
        {
            InjectionVerdict? verdict = await screened.ConfigureAwait(false);
            SawInjection |= verdict?.IsInjection == true;
            Add(text, fingerprint);
        }

        private void Add(string text, UInt128 fingerprint)
        {
            // Messages as long as the window need three pieces at most (the last, and the end of the two before): grow for short ones.
            _pieces ??= new string[4];
            _fingerprints ??= new UInt128[4];

            // Only the last window's worth of characters is ever read: drop pieces that fall before it.
            while (_count > 0 && (_count == MaxPieces || _chars - _pieces[0].Length >= ContentScreen.BoundaryWindow))
            {
                _chars -= _pieces[0].Length;
                --_count;
                Array.Copy(_pieces, 1, _pieces, 0, _count);
                Array.Copy(_fingerprints, 1, _fingerprints, 0, _count);
            }

            if (_count == _pieces.Length)
            {
                Array.Resize(ref _pieces, Math.Min(_pieces.Length * 2, MaxPieces));
                Array.Resize(ref _fingerprints, _pieces.Length);
            }

            _pieces[_count] = text;
            _fingerprints[_count++] = fingerprint;
            _chars += text.Length;
        }
    }

    private FunctionCallContent ProtectArguments(FunctionCallContent call, PiiPolicy policy, GovernedCall? governedCall)
    {
        if (call.Arguments is not { Count: > 0 } arguments || policy.AllowsEverything)
        {
            return call;
        }

        Dictionary<string, object?>? changed = null;
        foreach (KeyValuePair<string, object?> argument in arguments)
        {
            string? value = argument.Value switch
            {
                string s => s,
                JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
                _ => null,
            };
            if (value is null)
            {
                continue;
            }

            string redacted = _screen.RedactPii(value, policy, DataDirection.ToolArguments, ContentPlace.Argument(argument.Key, call.Name), governedCall);
            if (!ReferenceEquals(redacted, value))
            {
                (changed ??= new Dictionary<string, object?>(arguments, StringComparer.Ordinal))[argument.Key] = redacted;
            }
        }

        return changed is null
            ? call
            : new FunctionCallContent(call.CallId, call.Name, changed) { Exception = call.Exception, AdditionalProperties = call.AdditionalProperties };
    }

    private void AddSpotlightingInstruction(List<ChatMessage> messages)
    {
        string instruction = Options.SpotlightingInstruction;
        int system = messages.FindIndex(m => m.Role == ChatRole.System);
        if (system < 0)
        {
            messages.Insert(0, new ChatMessage(ChatRole.System, instruction));
            return;
        }

        ChatMessage original = messages[system];
        if (original.Text.Contains(instruction, StringComparison.Ordinal))
        {
            return;
        }

        var contents = new List<AIContent>(original.Contents) { new TextContent("\n\n" + instruction) };
        messages[system] = new ChatMessage(original.Role, contents)
        {
            AuthorName = original.AuthorName,
            MessageId = original.MessageId,
            CreatedAt = original.CreatedAt,
            AdditionalProperties = original.AdditionalProperties,
        };
    }

    private static TextContent CopyText(TextContent original, string text) =>
        ReferenceEquals(original.Text, text) ? original : new TextContent(text) { AdditionalProperties = original.AdditionalProperties };

    private static string? ResultText(object? result) => result switch
    {
        null => null,
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
        JsonElement e => e.GetRawText(),
        _ => JsonSerializer.Serialize(result, AIJsonUtilities.DefaultOptions.GetTypeInfo(result.GetType())),
    };
}
