#!/usr/bin/env bash
# Installs what vitforge needs from Debian when it is missing; as non-root it only says what to install.
set -euo pipefail

missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need verilator verilator
need iverilog iverilog
need yosys yosys
need nextpnr-ice40 nextpnr-ice40
need ccache ccache            # compiles Verilator's runtime objects once for every model
need g++ g++
need make make
[ -f /usr/include/zlib.h ] || missing+=(zlib1g-dev)   # Verilator's FST waveforms link zlib
need java openjdk-17-jdk-headless
need mvn maven

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "vitforge setup: missing ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "vitforge setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
