#!/usr/bin/env bash
# baocao against docxtpl (openpyxl + docxtpl, from PyPI) on the same distinct commune
# workbooks, each given both cores, in turns within the same minutes:
#   1. baocao batch, the built-in report (bao-cao-ntm: the decree's frame, appendices,
#      the district summary);
#   2. baocao batch filling the starter Word form `baocao inspect --mau-docx` made
#      (a docxtpl-style form; the starter pack declares no summary);
#   3. fill.py: openpyxl reading each workbook, docxtpl filling the same Word form,
#      in 2 processes.
# Wall, user and system time of each, and the peak memory of each baocao batch
# (/usr/bin/time).
#
#   bash benches/docxtpl/compare.sh [COMMUNES] [RUNS]     (defaults 1000, 3)
#   BAOCAO_BIN=path/to/baocao bash benches/docxtpl/compare.sh   (another build of baocao)
#
# Makes a Python venv under target/ the first time (pip install docxtpl openpyxl).
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000}
runs=${2:-3}
work=target/docxtpl
venv=target/docxtpl-venv
mkdir -p "$work"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "docxtpl==0.20.2" "openpyxl==3.1.5"
fi
cargo build --release --locked --quiet --bin baocao --example make_samples
bin=${BAOCAO_BIN:-target/release/baocao}
input="$work/xa-$n"
if [ ! -e "$input/.done" ]; then
  rm -rf "$input"
  target/release/examples/make_samples --xa "$n" "$input"
  touch "$input/.done"
fi
form="$work/mau"
rm -rf "$form"
"$bin" inspect "$input/Xã Thử 0000.xlsx" --manifest "$form" --mau-docx >/dev/null

# "wall user system peak_kB" of a command.
timed() {
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >"$work/log" 2>&1 || { cat "$work/log"; exit 1; }
  cat "$work/time"
}
echo "$n communes, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq "$runs"); do
  rm -rf "$work/out-report" "$work/out-form" "$work/out-docxtpl"
  read -r w1 u1 s1 m1 < <(timed "$bin" batch "$input" -o "$work/out-report" -q)
  read -r w2 u2 s2 m2 < <(timed "$bin" batch "$input" -o "$work/out-form" -t "$form" -q)
  read -r w3 u3 s3 m3 < <(timed "$venv/bin/python" benches/docxtpl/fill.py "$form" "$input" "$work/out-docxtpl" 2)
  made=$(find "$work/out-docxtpl" -name '*.docx' | wc -l)
  [ "$made" -eq "$n" ] || { echo "docxtpl wrote $made of $n"; exit 1; }
  awk -v n="$n" -v w1="$w1" -v u1="$u1" -v s1="$s1" -v m1="$m1" -v w2="$w2" -v u2="$u2" -v s2="$s2" -v m2="$m2" \
    -v w3="$w3" -v u3="$u3" -v s3="$s3" -v r="$run" 'BEGIN {
    printf "run %d: baocao report %.2f s (%.0f/s; user %.2f, system %.2f, peak %d MB) | baocao, the Word form %.2f s (%.0f/s; user %.2f, system %.2f, peak %d MB) | docxtpl, the same form %.2f s (%.1f/s; user %.2f, system %.2f) | ratio, wall: report %.0fx, form %.0fx; CPU (user + system): report %.0fx, form %.0fx\n",
      r, w1, n / w1, u1, s1, m1 / 1024, w2, n / w2, u2, s2, m2 / 1024, w3, n / w3, u3, s3, w3 / w1, w3 / w2,
      (u3 + s3) / (u1 + s1), (u3 + s3) / (u2 + s2) }'
done
