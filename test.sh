#!/usr/bin/env bash
# Builds everything in Release and runs every test project, Redis tests included.
# Installs what a fresh Debian machine with the .NET 10 SDK lacks (redis-server).
set -euo pipefail
cd "$(dirname "$0")"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v redis-server >/dev/null 2>&1; then
  echo "==> installing redis-server (the Redis tests start their own on a free loopback port)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends redis-server >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

echo "==> build (Release)"
dotnet build Contracts.Ai.sln -c Release -nologo -clp:ErrorsOnly

echo "==> pack into artifacts/packages and restore the contracts-ai local tool from it"
./pack.sh --no-build >/dev/null
dotnet tool restore --add-source artifacts/packages >/dev/null

if [ -x ./lint-prompts.sh ]; then
  echo "==> lint prompt files"
  ./lint-prompts.sh
fi

echo "==> test"
log=$(mktemp)
set +e
dotnet test Contracts.Ai.sln -c Release --no-build -nologo --blame-hang-timeout 5m 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{ s += $2 } END { print s + 0 }')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{ s += $2 } END { print s + 0 }')
rm -f "$log"
echo "tests: ${passed:-0} passed, ${failed:-0} failed"
exit "$status"
