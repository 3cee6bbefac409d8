using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>
/// A versioned prompt contract: the system prompt template, the inputs it declares, the shape the
/// answer must have, the tools it may use, and what happens when the model breaks it.
/// </summary>
/// <remarks>
/// A contract is immutable once registered in an <see cref="IPromptRegistry"/> or first used by a
/// call: setting a property then throws <see cref="InvalidOperationException"/>, and changing
/// <see cref="Inputs"/>, <see cref="AllowedTools"/>, <see cref="Tags"/> or <see cref="Validators"/>
/// throws <see cref="NotSupportedException"/>.
/// Register a new version to change it. A registered contract is safe to share between threads.
/// </remarks>
public sealed class PromptContract
{
    private string? _template;
    private string? _description;
    private IList<ContractInput> _inputs = new List<ContractInput>();
    private JsonElement? _outputSchema;
    private Type? _outputType;
    private JsonTypeInfo? _outputTypeInfo;
    private IList<string>? _allowedTools;
    private ContractFailurePolicy _onFailure = ContractFailurePolicy.Throw;
    private int _maxReasks = 2;
    private string? _fallbackResponse;
    private IDictionary<string, string> _tags = new Dictionary<string, string>(StringComparer.Ordinal);
    private IList<IContractValidator> _validators = new List<IContractValidator>();
    private string? _owner;
    private ContractRisk _risk;
    private int? _maxInputTokens;
    private int? _maxOutputTokens;
    private DateTimeOffset? _deprecatedAfter;
    private string? _replacedBy;
    private readonly object _gate = new();
    private ContractPlan? _plan;

    /// <summary>Gets the contract's id, stable across versions (for example <c>support.triage</c>).</summary>
    public required string Id { get; init; }

    /// <summary>Gets the contract's version, a semantic version such as <c>1.2.0</c>.</summary>
    public required string Version { get; init; }

    /// <summary>Gets or sets the system prompt, with <c>{{name}}</c> placeholders for the declared inputs.</summary>
    /// <value>Defaults to <see langword="null"/>: the contract adds no system instructions.</value>
    /// <remarks>
    /// Rendered in a single pass: each placeholder is replaced by its input's text, and nothing
    /// inside an inserted value is interpreted again (a value containing <c>{{other}}</c> stays as
    /// written). A placeholder must name a declared input; an optional input that is absent renders empty.
    /// </remarks>
    public string? Template { get => _template; set => Set(ref _template, value); }

    /// <summary>Gets or sets a description of what the contract is for.</summary>
    public string? Description { get => _description; set => Set(ref _description, value); }

    /// <summary>Gets the inputs the contract declares.</summary>
    public IList<ContractInput> Inputs { get => _inputs; init => _inputs = value ?? throw new ArgumentNullException(nameof(value)); }

    /// <summary>Gets or sets the JSON Schema the model's answer must satisfy.</summary>
    /// <value>Defaults to <see langword="null"/>: the answer is free text. <see cref="WithOutputType{T}(JsonTypeInfo{T})"/> sets it from a CLR type.</value>
    public JsonElement? OutputSchema { get => _outputSchema; set => Set(ref _outputSchema, value?.Clone()); }

    /// <summary>Gets the CLR type the answer is parsed into, strictly, when set with <see cref="WithOutputType{T}(JsonTypeInfo{T})"/>.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public Type? OutputType => _outputType;

    /// <summary>Gets or sets the tools the contract may use, by name.</summary>
    /// <value>Defaults to <see langword="null"/>: every tool the caller passes.</value>
    public IList<string>? AllowedTools { get => _allowedTools; set => Set(ref _allowedTools, value); }

    /// <summary>Gets or sets what happens when the answer fails validation.</summary>
    /// <value>Defaults to <see cref="ContractFailurePolicy.Throw"/>.</value>
    public ContractFailurePolicy OnFailure { get => _onFailure; set => Set(ref _onFailure, value); }

    /// <summary>Gets or sets how many times the model is asked again under <see cref="ContractFailurePolicy.Reask"/>.</summary>
    /// <value>Defaults to 2: at most three model calls in all.</value>
    public int MaxReasks { get => _maxReasks; set => Set(ref _maxReasks, value); }

    /// <summary>Gets or sets the answer returned under <see cref="ContractFailurePolicy.Fallback"/>; required by that policy, and checked against <see cref="OutputSchema"/> at registration.</summary>
    public string? FallbackResponse { get => _fallbackResponse; set => Set(ref _fallbackResponse, value); }

    /// <summary>Gets free-form tags, such as <c>domain</c>, <c>purpose</c> and <c>risk</c>.</summary>
    public IDictionary<string, string> Tags { get => _tags; init => _tags = value ?? throw new ArgumentNullException(nameof(value)); }

    /// <summary>Gets the custom validators the answer must pass after the schema; they run in order, only on answers that satisfy the schema.</summary>
    /// <remarks>Their errors are fed back to the model on a re-ask, so they should say what to fix without echoing sensitive data.</remarks>
    public IList<IContractValidator> Validators { get => _validators; init => _validators = value ?? throw new ArgumentNullException(nameof(value)); }

    /// <summary>
    /// Gets or sets how much harm the calls can do. Under <see cref="ContractRisk.High"/>, or a tag <c>risk</c> of <c>high</c> or
    /// <c>critical</c> (a prompt file's <c>risk:</c> level), every tool call made under the contract needs a person's approval.
    /// </summary>
    /// <value>Defaults to <see cref="ContractRisk.Normal"/>.</value>
    /// <remarks>
    /// The call then ends with an approval request for each tool call (MEAI's tool approval content) instead of an answer, with no
    /// validation, re-ask or fallback; the caller sends the decisions back in the next request, the approved calls run once, the
    /// model is told of the refused ones, and the final answer is validated as usual. The governed pipeline (<c>UseGovernedAi()</c>,
    /// <c>AddGovernedAi()</c>) runs the tool loop that asks; the contract stage used alone (<c>UseContracts()</c>) needs a
    /// <c>FunctionInvokingChatClient</c> below it.
    /// </remarks>
    public ContractRisk Risk { get => _risk; set => Set(ref _risk, value); }

    /// <summary>Gets or sets the team or person who owns the contract.</summary>
    public string? Owner { get => _owner; set => Set(ref _owner, value); }

    /// <summary>Gets or sets the most tokens the rendered prompt and conversation may take.</summary>
    /// <value>Defaults to <see langword="null"/>: no contract limit.</value>
    public int? MaxInputTokens { get => _maxInputTokens; set => Set(ref _maxInputTokens, value); }

    /// <summary>Gets or sets the most tokens the model may answer with; applied to <see cref="ChatOptions.MaxOutputTokens"/> when the request asks for more or sets none.</summary>
    /// <value>Defaults to <see langword="null"/>: no contract limit.</value>
    public int? MaxOutputTokens { get => _maxOutputTokens; set => Set(ref _maxOutputTokens, value); }

    /// <summary>Gets or sets the moment after which the version is deprecated; it still resolves, with a warning logged once and the span tagged.</summary>
    /// <value>Defaults to <see langword="null"/>: not deprecated.</value>
    public DateTimeOffset? DeprecatedAfter { get => _deprecatedAfter; set => Set(ref _deprecatedAfter, value); }

    /// <summary>Gets or sets the version that replaces this one.</summary>
    public string? ReplacedBy { get => _replacedBy; set => Set(ref _replacedBy, value); }

    /// <summary>Gets a value indicating whether the contract can no longer change, because it was registered or used.</summary>
    public bool IsFrozen => Volatile.Read(ref _plan) is not null;

    /// <summary>
    /// Derives <see cref="OutputSchema"/> from <typeparamref name="T"/> with
    /// <see cref="AIJsonUtilities.CreateJsonSchema"/> (honouring <c>System.ComponentModel.DataAnnotations</c>
    /// attributes such as <c>[Range]</c>, <c>[StringLength]</c> and <c>[RegularExpression]</c>), and parses
    /// valid answers strictly into <typeparamref name="T"/>: unknown members, missing required members and
    /// <see langword="null"/> in non-nullable members are violations.
    /// </summary>
    /// <typeparam name="T">The answer's type.</typeparam>
    /// <param name="typeInfo">The type's JSON metadata, for example from a source-generated <c>JsonSerializerContext</c>; trimming and Native AOT safe.</param>
    /// <returns>This contract, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="typeInfo"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The contract is frozen.</exception>
    public PromptContract WithOutputType<T>(JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return SetOutputType(typeof(T), typeInfo.Options);
    }

    /// <summary>Derives <see cref="OutputSchema"/> from <typeparamref name="T"/> and parses valid answers strictly into it; see <see cref="WithOutputType{T}(JsonTypeInfo{T})"/>.</summary>
    /// <typeparam name="T">The answer's type.</typeparam>
    /// <param name="serializerOptions">The options that describe <typeparamref name="T"/>; with a source-generated resolver this is trimming and Native AOT safe.</param>
    /// <returns>This contract, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="serializerOptions"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The contract is frozen.</exception>
    public PromptContract WithOutputType<T>(JsonSerializerOptions serializerOptions)
    {
        ArgumentNullException.ThrowIfNull(serializerOptions);
        return SetOutputType(typeof(T), serializerOptions);
    }

    /// <summary>Derives <see cref="OutputSchema"/> from <typeparamref name="T"/> using reflection-based JSON metadata; see <see cref="WithOutputType{T}(JsonTypeInfo{T})"/>.</summary>
    /// <typeparam name="T">The answer's type.</typeparam>
    /// <returns>This contract, for chaining.</returns>
    /// <exception cref="InvalidOperationException">The contract is frozen.</exception>
    [RequiresUnreferencedCode("Reflection-based JSON metadata for T. Use the JsonTypeInfo<T> or JsonSerializerOptions overload with a source-generated context when trimming.")]
    [RequiresDynamicCode("Reflection-based JSON metadata for T. Use the JsonTypeInfo<T> or JsonSerializerOptions overload with a source-generated context under Native AOT.")]
    public PromptContract WithOutputType<T>() => SetOutputType(typeof(T), ContractJson.ReflectionOptions);

    internal JsonTypeInfo? OutputTypeInfo => _outputTypeInfo;

    /// <summary>Returns the contract's compiled form, freezing the contract first.</summary>
    internal ContractPlan GetPlan()
    {
        ContractPlan? plan = Volatile.Read(ref _plan);
        if (plan is not null)
        {
            return plan;
        }

        lock (_gate)
        {
            if (_plan is null)
            {
                IReadOnlyList<string> problems = Validate(out CompiledJsonSchema? schema);
                if (problems.Count > 0)
                {
                    throw new ContractDefinitionException(Id, Version, problems);
                }

                foreach (ContractInput input in _inputs)
                {
                    input.Freeze();
                }

                _inputs = new ReadOnlyCollection<ContractInput>(new List<ContractInput>(_inputs));
                _allowedTools = _allowedTools is null ? null : new ReadOnlyCollection<string>(new List<string>(_allowedTools));
                _tags = new ReadOnlyDictionary<string, string>(new Dictionary<string, string>(_tags, StringComparer.Ordinal));
                _validators = new ReadOnlyCollection<IContractValidator>(new List<IContractValidator>(_validators));
                Volatile.Write(ref _plan, new ContractPlan(this, schema));
            }

            return _plan;
        }
    }

    /// <summary>Returns every problem with the contract's definition, each naming what and where.</summary>
    internal IReadOnlyList<string> Validate(out CompiledJsonSchema? compiledSchema)
    {
        compiledSchema = null;
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Id))
        {
            problems.Add("Id must not be empty");
        }

        if (!SemanticVersion.TryParse(Version, out _))
        {
            problems.Add($"Version '{Version}' is not a semantic version (major.minor.patch[-pre-release][+build], such as 1.2.0)");
        }

        if (_maxReasks < 0)
        {
            problems.Add($"MaxReasks must be 0 or more, was {_maxReasks}");
        }

        if (_onFailure == ContractFailurePolicy.Fallback && _fallbackResponse is null)
        {
            problems.Add("OnFailure is Fallback but FallbackResponse is not set");
        }

        if (!Enum.IsDefined(_onFailure))
        {
            problems.Add($"OnFailure value {(int)_onFailure} is not a ContractFailurePolicy");
        }

        if (!Enum.IsDefined(_risk))
        {
            problems.Add($"Risk value {(int)_risk} is not a ContractRisk");
        }

        if (_maxInputTokens is <= 0)
        {
            problems.Add($"MaxInputTokens must be positive, was {_maxInputTokens}");
        }

        if (_maxOutputTokens is <= 0)
        {
            problems.Add($"MaxOutputTokens must be positive, was {_maxOutputTokens}");
        }

        if (_replacedBy is not null && !SemanticVersion.TryParse(_replacedBy, out _))
        {
            problems.Add($"ReplacedBy '{_replacedBy}' is not a semantic version");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < _inputs.Count; i++)
        {
            ContractInput? input = _inputs[i];
            if (input is null)
            {
                problems.Add($"Inputs[{i}] is null");
                continue;
            }

            input.Validate(i, problems);
            if (input.Name is not null && !names.Add(input.Name))
            {
                problems.Add($"input '{input.Name}' is declared more than once");
            }
        }

        if (_template is not null)
        {
            var reported = new HashSet<string>(StringComparer.Ordinal);
            foreach (string placeholder in PromptTemplate.GetPlaceholders(_template))
            {
                if (!names.Contains(placeholder) && reported.Add(placeholder))
                {
                    problems.Add($"Template placeholder '{{{{{placeholder}}}}}' does not name a declared input");
                }
            }
        }

        foreach (string unused in PromptTemplate.FindUnusedInputs(_template, names))
        {
            problems.Add(PromptTemplate.UnusedInputMessage(unused));
        }

        if (_outputSchema is JsonElement schema)
        {
            if (schema.ValueKind is not (JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
            {
                problems.Add($"OutputSchema must be a JSON object or boolean, was {schema.ValueKind}");
            }
            else
            {
                SortedDictionary<string, List<string>> invalid = SchemaDefinitionCheck.Find(schema);
                foreach ((string pointer, List<string> messages) in invalid)
                {
                    problems.Add($"OutputSchema is not a valid JSON Schema at '{SchemaDefinitionCheck.Display(pointer)}': {string.Join("; or ", messages)}");
                }

                if (invalid.Count == 0)
                {
                    try
                    {
                        compiledSchema = CompiledJsonSchema.Compile(schema);
                        if (_fallbackResponse is not null && !FallbackSatisfies(compiledSchema, _fallbackResponse))
                        {
                            problems.Add("FallbackResponse is not JSON that satisfies OutputSchema");
                        }
                    }
                    catch (ArgumentException ex)
                    {
                        // Problems the meta-schema cannot see (a $ref that resolves nowhere, a pattern that does not parse).
                        string message = ex.ParamName is null ? ex.Message : ex.Message.Replace($" (Parameter '{ex.ParamName}')", string.Empty, StringComparison.Ordinal);
                        problems.Add("OutputSchema is not a valid JSON Schema: " + message);
                    }
                }
            }
        }

        if (_allowedTools is not null)
        {
            for (int i = 0; i < _allowedTools.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(_allowedTools[i]))
                {
                    problems.Add($"AllowedTools[{i}] is empty");
                }
            }
        }

        for (int i = 0; i < _validators.Count; i++)
        {
            if (_validators[i] is null)
            {
                problems.Add($"Validators[{i}] is null");
            }
        }

        return problems;
    }

    /// <summary>Whether <paramref name="other"/> defines the same contract (same id, version and every setting).</summary>
    internal bool HasSameDefinition(PromptContract other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (!string.Equals(Id, other.Id, StringComparison.Ordinal) ||
            !string.Equals(Version, other.Version, StringComparison.Ordinal) ||
            !string.Equals(_template, other._template, StringComparison.Ordinal) ||
            !string.Equals(_description, other._description, StringComparison.Ordinal) ||
            _outputType != other._outputType ||
            _onFailure != other._onFailure ||
            _risk != other._risk ||
            _maxReasks != other._maxReasks ||
            !string.Equals(_fallbackResponse, other._fallbackResponse, StringComparison.Ordinal) ||
            !string.Equals(_owner, other._owner, StringComparison.Ordinal) ||
            _maxInputTokens != other._maxInputTokens ||
            _maxOutputTokens != other._maxOutputTokens ||
            _deprecatedAfter != other._deprecatedAfter ||
            !string.Equals(_replacedBy, other._replacedBy, StringComparison.Ordinal) ||
            !ContractJson.SchemaEquals(_outputSchema, other._outputSchema) ||
            !SequenceEquals(_allowedTools, other._allowedTools) ||
            _inputs.Count != other._inputs.Count ||
            _tags.Count != other._tags.Count ||
            _validators.Count != other._validators.Count)
        {
            return false;
        }

        for (int i = 0; i < _inputs.Count; i++)
        {
            if (!_inputs[i].HasSameDefinition(other._inputs[i]))
            {
                return false;
            }
        }

        foreach (KeyValuePair<string, string> tag in _tags)
        {
            if (!other._tags.TryGetValue(tag.Key, out string? value) || !string.Equals(tag.Value, value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        for (int i = 0; i < _validators.Count; i++)
        {
            if (!ReferenceEquals(_validators[i], other._validators[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool FallbackSatisfies(CompiledJsonSchema schema, string fallback)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(fallback);
            return schema.Validate(document.RootElement).IsValid;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool SequenceEquals(IList<string>? left, IList<string>? right)
    {
        if (left is null || right is null)
        {
            return left is null && right is null;
        }

        if (left.Count != right.Count)
        {
            return false;
        }

        for (int i = 0; i < left.Count; i++)
        {
            if (!string.Equals(left[i], right[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private PromptContract SetOutputType(Type type, JsonSerializerOptions serializerOptions)
    {
        ThrowIfFrozen();
        // The schema comes from the same strict options as the parse, so the two never disagree.
        JsonSerializerOptions strict = ContractJson.GetStrictOptions(serializerOptions);
        JsonElement schema = AIJsonUtilities.CreateJsonSchema(type, serializerOptions: strict, inferenceOptions: ContractJson.SchemaCreateOptions);
        JsonTypeInfo strictTypeInfo = strict.GetTypeInfo(type);
        _outputSchema = schema;
        _outputType = type;
        _outputTypeInfo = strictTypeInfo;
        return this;
    }

    private void Set<T>(ref T field, T value)
    {
        ThrowIfFrozen();
        field = value;
    }

    private void ThrowIfFrozen()
    {
        if (IsFrozen)
        {
            throw new InvalidOperationException($"Contract '{Id}' version {Version} is registered or in use and cannot change; register a new version instead.");
        }
    }
}
