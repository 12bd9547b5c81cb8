#!/usr/bin/env bash
# Installs everything verbatim needs on a fresh Debian 12 machine with Node 20 (run as root, or with sudo available):
# Debian packages, pnpm, the workspace's dependencies from the lockfile, and the build. Safe to run again: steps
# whose result is already there are skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."

# Speech engines, voices and texts are for tools/synth (the demo model's corpus) and its tests.
APT_PACKAGES=(ffmpeg sox flac libopenblas-dev zlib1g-dev libgtest-dev cmake ninja-build g++ python3-numpy
  espeak-ng flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts fortunes fortunes-min wamerican)
PNPM_VERSION="$(node -p "require('./package.json').packageManager.split('@')[1]")"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm $PNPM_VERSION"
  npm install --global --silent "pnpm@$PNPM_VERSION"
fi

echo "setup: installing dependencies"
pnpm install --frozen-lockfile --reporter=silent
echo "setup: building"
pnpm --silent build --output-logs=errors-only
