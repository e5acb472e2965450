#!/usr/bin/env bash
# validate.sh [--strict] FILE.docx|FILE.odt ...: runs validate.py in the venv that
# install.sh made (exit 2 when it has not been run).
venv="${BAOCAO_VALIDATE_VENV:-$HOME/.cache/baocao-validate}"
if [ ! -x "$venv/bin/python" ]; then
  echo "validate.sh: no validator at $venv; run .ci/validate/install.sh first" >&2
  exit 2
fi
exec "$venv/bin/python" "$(dirname "$0")/validate.py" "$@"
