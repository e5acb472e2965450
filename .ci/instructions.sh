#!/usr/bin/env bash
# CI's guard on what one report costs: callgrind counts the instructions of one report
# (Ba Thành: read the workbook, bind + render + frame, write the .docx) in
# examples/profile.rs, and the check fails when they grow more than 10 % over
# .ci/instructions.baseline.
#
# A commit that makes a report cost more on purpose updates the baseline in the same
# commit and says why in its message (what the instructions buy); one that makes it
# cheaper may lower it (the script says when it is more than 10 % under).
#
# Instructions, not time: the count is the same from run to run whatever else the
# machine does (CI shares 2 cores). The build is the debug profile CI has already
# made for `cargo test` (our code unoptimised, the dependencies at opt-level 2), so
# the guard costs only its run (about 15 s), not a release build (minutes). Our own
# code weighs more in a debug count than in a release one, so a regression in it shows
# at least as much there; the dependencies' share (calamine, zip, minijinja) is
# optimised as in release. The release figures are in docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=3
baseline_file=.ci/instructions.baseline
cargo build --locked --quiet --example profile
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
if ! BAOCAO_PROFILE_RUNS=$runs BAOCAO_PROFILE_ODT=0 valgrind --tool=callgrind \
  --callgrind-out-file="$out/callgrind.out" target/debug/examples/profile 2>"$out/log"; then
  cat "$out/log"
  exit 1
fi
callgrind_annotate --inclusive=yes --threshold=100 "$out/callgrind.out" >"$out/annotated" 2>/dev/null

# Inclusive instructions of a function, per run.
per_run() {
  awk -v f=":$1 [" -v runs="$runs" \
    'index($0, f) && $0 !~ /=>/ { gsub(",", "", $1); print int($1 / runs); exit }' "$out/annotated"
}
read_=$(per_run baocao::workbook::read)
render=$(per_run baocao::report::from_workbook)
docx=$(per_run baocao::write::docx::to_bytes)
floor_read=$(per_run profile::floor::calamine_read)
floor_deflate=$(per_run profile::floor::deflate)
for n in "$read_" "$render" "$docx" "$floor_read" "$floor_deflate"; do
  [ -n "$n" ] || { echo "instructions.sh: a stage is missing from the profile"; exit 1; }
done
report=$((read_ + render + docx))
baseline=$(grep -v '^#' "$baseline_file" | tr -dc '0-9')
[ -n "$baseline" ] || { echo "instructions.sh: no number in $baseline_file"; exit 1; }
limit=$((baseline + baseline / 10))

m() { awk -v n="$1" 'BEGIN { printf "%.1f M", n / 1e6 }'; }
echo "instructions per report (debug build): $report ($(m "$report")) = read $(m "$read_") + bind, render, frame $(m "$render") + .docx $(m "$docx")"
echo "  floor: calamine $(m "$floor_read") + deflate $(m "$floor_deflate"); baseline $(m "$baseline"), limit $(m "$limit")"
if [ "$report" -gt "$limit" ]; then
  echo "FAIL: one report costs $report instructions, more than 10 % over the baseline ($baseline)."
  echo "Find where with callgrind_annotate (docs/performance.md). If the cost is meant, set"
  echo "$baseline_file to $report in the same commit and say in its message what it buys."
  exit 1
fi
if [ "$report" -lt $((baseline - baseline / 10)) ]; then
  echo "note: more than 10 % under the baseline: lower $baseline_file to $report to keep the guard tight."
fi
