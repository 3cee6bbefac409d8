#!/usr/bin/env bash
# Lints the samples' prompt files and runs their scenarios with the contracts-ai CLI; fails on any error.
# Reuses the Release build test.sh makes; builds the CLI alone when it is missing.
set -euo pipefail
cd "$(dirname "$0")"

cli=src/Contracts.Ai.Cli/bin/Release/net10.0/contracts-ai.dll
if [ ! -f "$cli" ]; then
  dotnet build src/Contracts.Ai.Cli -c Release -nologo -clp:ErrorsOnly
fi

status=0
for dir in samples/Contracts.Ai.Quickstart/prompts samples/Contracts.Ai.SupportDesk/prompts; do
  echo "contracts-ai lint $dir"
  dotnet "$cli" lint "$dir" || status=1
  echo "contracts-ai test $dir"
  dotnet "$cli" test "$dir" || status=1
done
exit "$status"
