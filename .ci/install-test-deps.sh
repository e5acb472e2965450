#!/usr/bin/env bash
# Installs what the full test run needs, from Debian's packages and PyPI only:
# LibreOffice, poppler and the Liberation fonts (round-trip tests, PDF output),
# Debian's Chromium and ChromeDriver (the page's browser test), the document
# validator (.ci/validate), and for the Windows program mingw-w64, wine and Rust's
# x86_64-pc-windows-gnu target,
# valgrind (.ci/instructions.sh). Idempotent: what is there is not installed again.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
need=()
command -v soffice >/dev/null || need+=(libreoffice-writer-nogui libreoffice-calc-nogui)
command -v pdftotext >/dev/null && command -v pdftoppm >/dev/null || need+=(poppler-utils)
[ -e /usr/share/fonts/truetype/liberation2 ] || need+=(fonts-liberation2)
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
command -v jing >/dev/null || need+=(jing)
# The Windows program (.ci/windows.sh): the cross-compiler and wine, without their
# recommended extras (no desktop is needed).
windows=()
command -v x86_64-w64-mingw32-gcc >/dev/null || windows+=(gcc-mingw-w64-x86-64)
command -v wine >/dev/null && command -v winepath >/dev/null || windows+=(wine wine64)
# callgrind counts the instructions of one report (.ci/instructions.sh).
command -v valgrind >/dev/null || need+=(valgrind)
if [ ${#need[@]} -gt 0 ] || [ ${#windows[@]} -gt 0 ]; then
  apt-get update -qq
fi
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ ${#windows[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${windows[@]}" >/dev/null
fi
rustup target list --installed | grep -qx x86_64-pc-windows-gnu || rustup target add x86_64-pc-windows-gnu
bash "$here/validate/install.sh"
