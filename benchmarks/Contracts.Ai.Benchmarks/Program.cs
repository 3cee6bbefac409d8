using BenchmarkDotNet.Running;

// Run one suite: dotnet run -c Release --project benchmarks/Contracts.Ai.Benchmarks -- --filter '*PipelineOverhead*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
