using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

// Run one suite: dotnet run -c Release --project benchmarks/Contracts.Ai.Benchmarks -- --filter '*PipelineOverhead*'
// Parameter values (such as "o200k_base: emoji 128 KB") are shown whole, never cut in the middle.
IConfig config = DefaultConfig.Instance.WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(40));
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
