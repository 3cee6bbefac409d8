#!/usr/bin/env bash
# Packs Contracts.Ai, Contracts.Ai.Redis, Contracts.Ai.Testing and the contracts-ai tool into a local
# NuGet folder (default: artifacts/packages) until they are published on a public feed.
#   ./pack.sh [--no-build] [output-folder]     (--no-build: reuse the Release build test.sh made)
# Then, in an app:   dotnet nuget add source /path/to/artifacts/packages --name contracts-ai-local
#                    dotnet add package Contracts.Ai --version 0.1.0
# and the CLI as this repository's local tool (.config/dotnet-tools.json):
#                    dotnet tool restore --add-source artifacts/packages && dotnet contracts-ai --help
set -euo pipefail
cd "$(dirname "$0")"
build=()
if [ "${1:-}" = "--no-build" ]; then build=(--no-build); shift; fi
out="$(mkdir -p "${1:-artifacts/packages}" && cd "${1:-artifacts/packages}" && pwd)"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

for project in src/Contracts.Ai src/Contracts.Ai.Redis src/Contracts.Ai.Testing src/Contracts.Ai.Cli; do
  dotnet pack "$project" -c Release -nologo -clp:ErrorsOnly "${build[@]}" -o "$out"
done

# A package of the same id and version already in the NuGet cache would be used instead of the one
# just packed: drop our own from the cache so the next restore takes the fresh ones.
cache="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
rm -rf "$cache/contracts.ai" "$cache/contracts.ai.redis" "$cache/contracts.ai.testing" "$cache/contracts.ai.cli"

echo "packages in $out:"
ls -1 "$out"
