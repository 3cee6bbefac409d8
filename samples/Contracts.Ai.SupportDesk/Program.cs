using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.Services.AddGovernedAi(_ => new ScriptedChatClient(_ => ScriptedTurn.Reply("Thanks, we are on it.")));
WebApplication app = builder.Build();

app.MapPost("/ask", async (AskRequest request, IChatClient chat, CancellationToken cancellationToken) =>
{
    ChatResponse response = await chat.GetResponseAsync(request.Question, cancellationToken: cancellationToken);
    return Results.Ok(new { answer = response.Text });
});

app.Run();

internal sealed record AskRequest(string Question);
