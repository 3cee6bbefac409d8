#!/usr/bin/env bash
# Lints the samples' prompt files and runs their scenarios with the contracts-ai CLI; fails on any error.
# Uses the local tool (.config/dotnet-tools.json) when it is restored, as a CI job would (test.sh packs and
# restores it); else the Release build, building the CLI alone when it is missing.
set -euo pipefail
cd "$(dirname "$0")"

if dotnet tool run contracts-ai --help >/dev/null 2>&1; then
  cli=(dotnet tool run contracts-ai)
else
  dll=src/Contracts.Ai.Cli/bin/Release/net10.0/contracts-ai.dll
  [ -f "$dll" ] || dotnet build src/Contracts.Ai.Cli -c Release -nologo -clp:ErrorsOnly
  cli=(dotnet "$dll")
fi

status=0
for dir in samples/Contracts.Ai.Quickstart/prompts samples/Contracts.Ai.SupportDesk/prompts; do
  echo "contracts-ai lint $dir"
  "${cli[@]}" lint "$dir" || status=1
  echo "contracts-ai test $dir"
  "${cli[@]}" test "$dir" || status=1
done
exit "$status"
