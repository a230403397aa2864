#!/usr/bin/env bash
# Set up the benchmark's peers (not the tool's own set-up, ./setup.sh): XeLaTeX with
# ctex (Debian's texlive-xetex and texlive-lang-chinese, the engine and class Chinese
# typesetters use) and the PyPI `bench` extra (Typst; Pandoc comes with paiban).
# Installs only what is missing. Usage: benchmarks/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(texlive-xetex texlive-lang-chinese)
missing=()
for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "benchmarks/setup: installing system packages: ${missing[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
    echo "benchmarks/setup: run ./setup.sh first (it makes .venv)" >&2
    exit 1
fi
.venv/bin/python -m pip install -q -e '.[bench]'
