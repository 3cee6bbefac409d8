using Contracts.Ai.SupportDesk;

// Runs offline on a scripted model: dotnet run --project samples/Contracts.Ai.SupportDesk
// then: curl -s -X POST http://127.0.0.1:5080/ask -H 'Content-Type: application/json' -d '{"question":"Where is order A-1001?"}'
// canary walkthrough (support.reply 1.1.0 rolled back): see "SupportDesk sample" in the README, and GET /rollouts.
SupportDeskApp.Build(args).Run();
