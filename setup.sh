#!/usr/bin/env bash
# Set up paiban on a fresh Debian machine and build the sample book.
# Installs only what is missing: system libraries (Pango, HarfBuzz subsetting),
# CJK fonts, a Java runtime for EPUBCheck, poppler (pdftoppm), fontconfig (fc-match
# finds the fonts --embed-fonts subsets), Chromium (the tests lay the EPUB out at a
# phone's width and drive the live preview of `watch`) and the Python packages in .venv. Then builds manuscript/ into dist/.
# Usage: ./setup.sh [--no-build]
set -euo pipefail
cd "$(dirname "$0")"

apt_packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0
              fonts-noto-cjk fonts-arphic-ukai default-jdk-headless poppler-utils fontconfig chromium)
missing=()
for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# EPUBCheck needs Java; the tests run it through Java's source launcher, which needs
# the compiler module of a JDK. Any installed JDK will do.
if java --list-modules 2>/dev/null | grep -q '^jdk.compiler'; then
    missing=("${missing[@]/default-jdk-headless}")
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | grep -v '^$' || true)
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing system packages: ${missing[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'

if [ "${1:-}" != "--no-build" ]; then
    .venv/bin/python build.py
fi
