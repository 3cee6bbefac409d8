using System.Diagnostics;
using System.Text.Json;
using Contracts.Ai;
using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Contracts.Ai.SupportDesk;

/// <summary>The support desk service: answers customer questions and triages tickets through governed LLM calls.</summary>
public static class SupportDeskApp
{
    /// <summary>The app's own ActivitySource: one span per handled request, the parent of every governed call.</summary>
    public const string SourceName = "Contracts.Ai.SupportDesk";

    /// <summary>The source MEAI's GenAI spans (<c>chat</c>, <c>execute_tool</c>) and metrics come from.</summary>
    public const string GenAiSourceName = "Contracts.Ai.SupportDesk.GenAI";

    /// <summary>Kestrel's address when neither <c>--urls</c> nor <c>ASPNETCORE_URLS</c> says otherwise.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    private const string AspNetCoreSourceName = "Microsoft.AspNetCore";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>Builds the app.</summary>
    /// <param name="args">Command-line arguments, such as <c>--urls http://127.0.0.1:5081</c> or <c>--SupportDesk:AuditFolder /var/audit</c>.</param>
    /// <param name="configure">Adjusts the builder before the app is built (tests add exporters here).</param>
    /// <returns>The app, not yet started.</returns>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        AddTelemetry(builder);

        // The model: a scripted one, so the service runs offline. Swap in a provider's IChatClient here.
        builder.Services.AddChatClient(new ScriptedChatClient(SupportModel.Respond) { ModelId = SupportModel.ModelId, RequestHistoryLimit = 100 })
            .UseFunctionInvocation()
            .UseOpenTelemetry(sourceName: GenAiSourceName);

        // Everything else is one call: every IChatClient above is now governed, and each decision is audited.
        string auditFolder = Path.Combine(builder.Environment.ContentRootPath, builder.Configuration["SupportDesk:AuditFolder"] ?? "audit");
        // The prompt files under prompts/ are the contracts; support.reply 1.1.0 declares a 90/10 canary of production.
        IGovernedAiBuilder governed = builder.Services.AddGovernedAi()
            .AddPromptsFromDirectory("prompts")
            .AddAuditFile(Path.Combine(auditFolder, "decisions.jsonl"))
            // Conversations are remembered per tenant and user: /ask with a "conversation" id sends only the new question.
            .AddSessionMemory(memory => memory.MaxTokens = 2000);
        if (builder.Configuration.GetValue("SupportDesk:AuditLog", false))
        {
            governed.AddAuditLog();
        }

        builder.Services.AddSingleton<RouteContracts>();
        configure?.Invoke(builder);
        WebApplication app = builder.Build();
        MapRoutes(app);
        return app;
    }

    private static void AddTelemetry(WebApplicationBuilder builder)
    {
        // "console" (default), "otlp" (default when OTEL_EXPORTER_OTLP_ENDPOINT is set) or "none".
        bool otlpConfigured = !string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        string exporter = builder.Configuration["SupportDesk:Exporter"] ?? (otlpConfigured ? "otlp" : "console");

        OpenTelemetryBuilder otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Configuration["OTEL_SERVICE_NAME"] ?? "support-desk"))
            // ASP.NET Core's own request spans are the roots: every span below nests under the HTTP request it served.
            .WithTracing(tracing => tracing.AddSource(AspNetCoreSourceName, SourceName, GenAiSourceName, GovernedAiTelemetry.SourceName))
            .WithMetrics(metrics => metrics.AddMeter(GenAiSourceName, GovernedAiTelemetry.SourceName));
        switch (exporter)
        {
            case "otlp":
                otel.UseOtlpExporter();
                break;
            case "console":
                otel.WithTracing(tracing => tracing.AddConsoleExporter())
                    .WithMetrics(metrics => metrics.AddConsoleExporter());
                break;
            case "none":
                break;
            default:
                throw new InvalidOperationException($"SupportDesk:Exporter must be 'console', 'otlp' or 'none', not '{exporter}'.");
        }
    }

    private static void MapRoutes(WebApplication app)
    {
        app.MapGet("/health", () => Results.Ok(new { status = "ok" }));

        app.MapPost("/ask", async (AskRequest request, HttpContext http, IChatClient chat, CancellationToken cancellationToken) =>
        {
            if (string.IsNullOrWhiteSpace(request.Question))
            {
                return Results.BadRequest(new { error = "question is required." });
            }

            string? user = User(http);
            if (request.Conversation is not null && (string.IsNullOrWhiteSpace(request.Conversation) || user is null))
            {
                return Results.BadRequest(new { error = "a conversation needs a non-empty id and the X-User header: conversations are kept per user." });
            }

            using Activity? span = Source.StartActivity("support.ask");
            ChatOptions options = new ChatOptions { Tools = [SupportTools.LookupOrder] }
                .WithContractWhenRegistered(http.RequestServices, "support.answer")
                .WithTenant(Tenant(http), user)
                .WithContextSource(new ContextSource("kb-shipping-policy", "kb://support/faq"));
            if (request.Conversation is not null)
            {
                options.WithSession(request.Conversation);
            }
            ChatResponse response = await chat.GetResponseAsync(
                [new ChatMessage(ChatRole.System, SupportModel.AnswerInstructions), new ChatMessage(ChatRole.User, request.Question)],
                options,
                cancellationToken);
            return Results.Ok(new AskResponse(response.Text, span?.TraceId.ToHexString()));
        });

        app.MapPost("/reply", async (ReplyRequest request, HttpContext http, IChatClient chat, CancellationToken cancellationToken) =>
        {
            if (string.IsNullOrWhiteSpace(request.Customer) || string.IsNullOrWhiteSpace(request.Question))
            {
                return Results.BadRequest(new { error = "customer and question are required." });
            }

            // support.reply has a rollout: each (tenant, user) is served one version, sticky, until a version is rolled back.
            using Activity? span = Source.StartActivity("support.reply");
            ChatOptions options = new ChatOptions()
                .WithContract("support.reply", new Dictionary<string, object?> { ["customer"] = request.Customer, ["question"] = request.Question })
                .WithTenant(Tenant(http), User(http));
            try
            {
                ChatResponse response = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "Draft the reply.")], options, cancellationToken);
                using JsonDocument draft = JsonDocument.Parse(response.Text);
                return Results.Ok(new ReplyResponse(
                    draft.RootElement.GetProperty("reply").GetString()!,
                    draft.RootElement.GetProperty("category").GetString()!,
                    span?.TraceId.ToHexString()));
            }
            catch (ContractViolationException ex)
            {
                // The draft broke its contract even after the re-asks: nothing unchecked reaches the customer.
                return Results.Json(
                    new { error = $"the draft broke contract {ex.ContractId} {ex.ContractVersion}.", traceId = span?.TraceId.ToHexString() },
                    statusCode: StatusCodes.Status502BadGateway);
            }
        });

        // A user's remembered conversation (redacted, as stored), and erasure of one conversation or of all of them.
        app.MapGet("/conversations/{id}", async (string id, HttpContext http, ISessionMemory memory, CancellationToken cancellationToken) =>
            User(http) is not { } user
                ? Results.BadRequest(new { error = "the X-User header is required." })
                : Results.Ok((await memory.GetHistoryAsync(Tenant(http), user, id, cancellationToken))
                    .Where(m => !string.IsNullOrEmpty(m.Text))
                    .Select(m => new ConversationMessage(m.Role.Value, m.Text))
                    .ToList()));

        app.MapDelete("/conversations/{id}", async (string id, HttpContext http, ISessionMemory memory, CancellationToken cancellationToken) =>
        {
            if (User(http) is not { } user)
            {
                return Results.BadRequest(new { error = "the X-User header is required." });
            }

            await memory.ForgetSessionAsync(Tenant(http), user, id, cancellationToken);
            return Results.NoContent();
        });

        app.MapDelete("/conversations", async (HttpContext http, ISessionMemory memory, CancellationToken cancellationToken) =>
        {
            if (User(http) is not { } user)
            {
                return Results.BadRequest(new { error = "the X-User header is required." });
            }

            await memory.ForgetUserAsync(Tenant(http), user, cancellationToken);
            return Results.NoContent();
        });

        // Every rollout (from the prompt files or configuration) with each version's weight and rollback state.
        app.MapGet("/rollouts", async (IOptions<GovernedAiOptions> governed, IRolloutStateStore state, CancellationToken cancellationToken) =>
        {
            var rollouts = new List<RolloutStatus>();
            foreach ((string contractId, RolloutOptions rollout) in governed.Value.Routing.Rollouts)
            {
                IReadOnlyDictionary<string, string> rolledBack = await state.GetRolledBackAsync(contractId, rollout.Label, cancellationToken);
                rollouts.Add(new RolloutStatus(contractId, rollout.Label, rollout.Variants
                    .Select((v, i) => new RolloutVersionStatus(v.Version, v.Weight, i == 0, rolledBack.TryGetValue(v.Version, out string? reason), reason))
                    .ToList()));
            }

            return Results.Ok(rollouts);
        });

        app.MapPost("/tickets/triage", async (TriageRequest request, HttpContext http, IChatClient chat, CancellationToken cancellationToken) =>
        {
            if (string.IsNullOrWhiteSpace(request.Subject) && string.IsNullOrWhiteSpace(request.Body))
            {
                return Results.BadRequest(new { error = "subject or body is required." });
            }

            using Activity? span = Source.StartActivity("support.triage");
            ChatOptions options = new ChatOptions { ResponseFormat = ChatResponseFormat.Json }
                .WithContractWhenRegistered(http.RequestServices, "support.triage")
                .WithTenant(Tenant(http));
            ChatResponse response = await chat.GetResponseAsync(
                [new ChatMessage(ChatRole.System, SupportModel.TriageInstructions), new ChatMessage(ChatRole.User, $"{request.Subject}\n\n{request.Body}")],
                options,
                cancellationToken);
            using JsonDocument triage = JsonDocument.Parse(response.Text);
            return Results.Ok(new TriageResponse(
                triage.RootElement.GetProperty("category").GetString()!,
                triage.RootElement.GetProperty("priority").GetString()!,
                span?.TraceId.ToHexString()));
        });
    }

    private static ChatOptions WithContractWhenRegistered(this ChatOptions options, IServiceProvider services, string contractId) =>
        services.GetRequiredService<RouteContracts>().IsRegistered(contractId) ? options.WithContract(contractId) : options;

    private static string? User(HttpContext http) =>
        http.Request.Headers.TryGetValue("X-User", out var user) && !string.IsNullOrWhiteSpace(user) ? user.ToString() : null;

    private static string Tenant(HttpContext http) =>
        http.Request.Headers.TryGetValue("X-Tenant", out var tenant) && !string.IsNullOrWhiteSpace(tenant) ? tenant.ToString() : "demo";
}

/// <summary>A customer question.</summary>
/// <param name="Question">The question.</param>
/// <param name="Conversation">The conversation it continues (any id the client chose; needs the <c>X-User</c> header), or <see langword="null"/> for a one-off question.</param>
public sealed record AskRequest(string Question, string? Conversation = null);

/// <summary>One remembered message of a conversation.</summary>
/// <param name="Role">user, assistant or tool.</param>
/// <param name="Text">The text, redacted as stored.</param>
public sealed record ConversationMessage(string Role, string Text);

/// <summary>The answer to a question.</summary>
/// <param name="Answer">The answer.</param>
/// <param name="TraceId">The trace the answer can be looked up by.</param>
public sealed record AskResponse(string Answer, string? TraceId);

/// <summary>A customer message to draft the first reply to.</summary>
/// <param name="Customer">The customer's display name.</param>
/// <param name="Question">The customer's message.</param>
public sealed record ReplyRequest(string? Customer, string? Question);

/// <summary>A drafted reply.</summary>
/// <param name="Reply">The reply.</param>
/// <param name="Category">billing, shipping, returns, account or other.</param>
/// <param name="TraceId">The trace the draft can be looked up by.</param>
public sealed record ReplyResponse(string Reply, string Category, string? TraceId);

/// <summary>A rollout and where its versions stand.</summary>
/// <param name="ContractId">The contract.</param>
/// <param name="Label">The label the rollout serves.</param>
/// <param name="Versions">The versions, baseline first.</param>
public sealed record RolloutStatus(string ContractId, string Label, IReadOnlyList<RolloutVersionStatus> Versions);

/// <summary>One version of a rollout.</summary>
/// <param name="Version">The contract version.</param>
/// <param name="Weight">The configured weight.</param>
/// <param name="Baseline">Whether it is the baseline, which is never rolled back.</param>
/// <param name="RolledBack">Whether it was rolled back and receives no traffic.</param>
/// <param name="Reason">Why it was rolled back.</param>
public sealed record RolloutVersionStatus(string Version, double Weight, bool Baseline, bool RolledBack, string? Reason);

/// <summary>A ticket to triage.</summary>
/// <param name="Subject">The subject.</param>
/// <param name="Body">The body.</param>
public sealed record TriageRequest(string? Subject, string? Body);

/// <summary>A ticket's triage.</summary>
/// <param name="Category">billing, account, shipping or general.</param>
/// <param name="Priority">high or normal.</param>
/// <param name="TraceId">The trace the decision can be looked up by.</param>
public sealed record TriageResponse(string Category, string Priority, string? TraceId);
