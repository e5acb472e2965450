#!/usr/bin/env bash
# Installs what the full test run needs, from Debian's packages and PyPI only:
# LibreOffice, poppler and the Liberation fonts (round-trip tests, PDF output),
# Debian's Chromium and ChromeDriver (the page's browser test), and the document
# validator (.ci/validate), valgrind (.ci/instructions.sh). Idempotent: what is there is not installed again.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
need=()
command -v soffice >/dev/null || need+=(libreoffice-writer-nogui libreoffice-calc-nogui)
command -v pdftotext >/dev/null && command -v pdftoppm >/dev/null || need+=(poppler-utils)
[ -e /usr/share/fonts/truetype/liberation2 ] || need+=(fonts-liberation2)
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
command -v jing >/dev/null || need+=(jing)
# callgrind counts the instructions of one report (.ci/instructions.sh).
command -v valgrind >/dev/null || need+=(valgrind)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
bash "$here/validate/install.sh"
