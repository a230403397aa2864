#!/usr/bin/env bash
# Set up paiban on a fresh Debian machine and build the sample book.
# Installs only what is missing: system libraries (Pango, HarfBuzz subsetting), the
# fonts (Noto CJK for Song and Hei, LXGW WenKai for Kai, AR PL UKai for the Kai it lacks,
# Noto Serif for the italic of Latin runs), a Java runtime for EPUBCheck, poppler
# (pdftoppm), fontconfig (fc-match finds the fonts --embed-fonts subsets), Chromium
# (the tests lay the EPUB out at a phone's width and drive the live preview of `watch`),
# the Python packages in .venv and Ace by DAISY in .ace (Node.js and npm for it). Then
# builds manuscript/ into dist/.
# Usage: ./setup.sh [--no-build]
set -euo pipefail
cd "$(dirname "$0")"

apt_packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0
              fonts-noto-cjk fonts-lxgw-wenkai fonts-arphic-ukai fonts-noto-core
              default-jdk-headless poppler-utils fontconfig chromium)
missing=()
for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# EPUBCheck needs Java; the tests run it through Java's source launcher, which needs
# the compiler module of a JDK. Any installed JDK will do.
if java --list-modules 2>/dev/null | grep -q '^jdk.compiler'; then
    missing=("${missing[@]/default-jdk-headless}")
fi
# Ace by DAISY needs Node.js and npm; any installed ones will do (Debian's npm package
# conflicts with a Node.js that bundles its own npm).
command -v npm >/dev/null || missing+=(nodejs npm)
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

# Ace by DAISY, the accessibility checker of `check --outputs` (O005, O006). Its package
# @daisy/ace-cli gives the command ace-cli; the `ace` of @daisy/ace is the same checker
# inside Electron, a browser build npm would download. Puppeteer downloads no Chrome
# either: paiban runs Ace with Debian's chromium (PUPPETEER_EXECUTABLE_PATH).
ace_version=1.4.6
if [ "$(node -p 'require("./.ace/node_modules/@daisy/ace-cli/package.json").version' 2>/dev/null)" != "$ace_version" ]; then
    echo "setup: installing Ace by DAISY $ace_version into .ace/"
    PUPPETEER_SKIP_DOWNLOAD=1 PUPPETEER_SKIP_CHROMIUM_DOWNLOAD=1 \
        npm install --prefix .ace --save-exact --no-audit --no-fund --loglevel=error "@daisy/ace-cli@$ace_version"
fi

if [ "${1:-}" != "--no-build" ]; then
    .venv/bin/python build.py
fi
