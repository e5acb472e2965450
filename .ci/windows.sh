#!/usr/bin/env bash
# CI: the Windows program. Cross-builds baocao.exe (x86_64-pc-windows-gnu, Debian's
# mingw-w64) and runs it under wine: `render` of a sample, `batch` of the sample
# district and of the province's sub-folders, the page (no command, as a double-click
# starts it) answering on 127.0.0.1 with a report uploaded through it; paths with
# spaces, Vietnamese letters, `\` separators and a drive letter (wine maps Z: to /).
# Every document must be byte-identical to the Linux build's.
#
# Needs: the rustup target, gcc-mingw-w64-x86-64 and wine (.ci/install-test-deps.sh).
# KEEP=1 keeps the work folder (both programs' files, wine's prefix) to look at.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
target=x86_64-pc-windows-gnu

# Its dependencies unoptimised (Typst's layout still a little, Cargo.toml): this build
# only has to show that the program behaves and writes the same bytes, and optimising
# everything a second time cost CI several minutes.
cargo build --locked --target "$target" --bin baocao --config 'profile.dev.package."*".opt-level=0'
# The Linux program as `cargo test` built it (see .ci/run: a plain `cargo build`
# would build the proc-macro crates again).
cargo test --locked --no-run --quiet
linux="$PWD/target/debug/baocao"

work="$(mktemp -d)"
export WINEPREFIX="$work/wine" WINEDEBUG=-all
# No Mono or Gecko installers in the new prefix: the program needs neither.
export WINEDLLOVERRIDES="mscoree,mshtml="
# The page opened without a command must not look for a browser here.
export BAOCAO_KHONG_MO_TRINH_DUYET=1
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  wineserver -k 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap "wineserver -k 2>/dev/null; echo kept \$work" EXIT

# The program in a folder whose name has a space and Vietnamese letters, as a clerk's
# «Tải về» folder would.
bin="$work/Chương trình báo cáo"
mkdir -p "$bin"
cp "target/$target/debug/baocao.exe" "$bin/"
# Test scaffolding, never shipped: wine 8 (Debian bookworm) lacks ProcessPrng, which
# Rust's std takes its random numbers from; wine 9 has it.
if wine --version | grep -q '^wine-[0-8]\.'; then
  x86_64-w64-mingw32-gcc -shared -O2 -s -static-libgcc -o "$bin/bcryptprimitives.dll" \
    .ci/wine-shim/bcryptprimitives.c -ladvapi32
fi
exe() { wine "$bin/baocao.exe" "$@"; }
# A Linux path as Windows shows it: drive letter and `\` (Z:\tmp\…).
windows_path() { winepath -w "$1" 2>/dev/null; }

same=0
differ=0
# Every file under $1 (Linux) against the same name under $2 (Windows).
compare() {
  local name
  while IFS= read -r -d '' name; do
    name="${name#"$1"/}"
    if [ "${name##*/}" = tong-ket.json ]; then
      compare_summary "$1/$name" "$2/$name"
    elif cmp -s "$1/$name" "$2/$name"; then
      same=$((same + 1))
    else
      echo "KHÁC: $name (Linux $1, Windows $2)" >&2
      differ=$((differ + 1))
    fi
  done < <(find "$1" -type f -print0 | sort -z)
  # Nothing written on one side only.
  diff <(cd "$1" && find . -type f | sort) <(cd "$2" && find . -type f | sort)
}
# tong-ket.json: the same but for the run's time and the paths, which each system
# writes with its own separator, from the folders it was given (Windows paths there).
compare_summary() {
  python3 - "$1" "$2" "$work/linux" "$(windows_path "$work/windows")" "$(windows_path .)" <<'EOF'
import json, sys
linux, windows, linux_out, windows_out, windows_checkout = sys.argv[1:]
def norm(v, prefixes):
    if isinstance(v, dict):
        return {k: norm(x, prefixes) for k, x in v.items() if k != "giay"}
    if isinstance(v, list):
        return [norm(x, prefixes) for x in v]
    if isinstance(v, str):
        for old, new in prefixes:
            v = v.replace(old, new)
        return v.replace("\\", "/")
    return v
a = norm(json.load(open(linux, encoding="utf-8")), [(linux_out, "OUT")])
checkout = windows_checkout.rstrip("\\") + "\\"
b = norm(json.load(open(windows, encoding="utf-8")), [(windows_out, "OUT"), (checkout, "")])
if a != b:
    sys.exit(f"KHÁC: {linux} và {windows}:\n{json.dumps(a, ensure_ascii=False)[:2000]}\n{json.dumps(b, ensure_ascii=False)[:2000]}")
EOF
  same=$((same + 1))
}

mkdir -p "$work/linux" "$work/windows"
echo "== wine: $(wine --version); first start of the prefix"
exe --version

echo "== help and a missing file, in Vietnamese"
exe --help >"$work/help.txt"
grep -q "nhấp đúp vào baocao.exe" "$work/help.txt"
status=0
exe render 'samples\Không có.xlsx' 2>"$work/missing.log" || status=$?
[ "$status" = 2 ] && grep -q 'samples\\Không có.xlsx: không tìm thấy' "$work/missing.log"

echo "== render: Vietnamese names with spaces, a drive letter and \\ separators"
"$linux" render "samples/Ba Thành.xlsx" -o "$work/linux/Báo cáo Ba Thành.docx" >/dev/null
"$linux" render "samples/Ba Thành.xlsx" -o "$work/linux/Báo cáo Ba Thành.odt" >/dev/null
exe render "$(windows_path "samples/Ba Thành.xlsx")" -o "$(windows_path "$work/windows")\\Báo cáo Ba Thành.docx" >/dev/null
# A relative path with `\`, from the checkout (wine starts in the same folder).
exe render 'samples\Ba Thành.xlsx' -o "$(windows_path "$work/windows")\\Báo cáo Ba Thành.odt" >/dev/null

echo "== batch: the sample district, and the province by sub-folder (Vietnamese folder names)"
"$linux" batch samples/huyen-ba-to -o "$work/linux/huyen" -q >/dev/null
exe batch 'samples\huyen-ba-to' -o "$(windows_path "$work/windows")\\huyen" -q >/dev/null
"$linux" batch samples/tinh-quang-ngai -o "$work/linux/tinh" -q -t bao-cao-ntm-2025 --nhom thu-muc >/dev/null
exe batch "$(windows_path samples/tinh-quang-ngai)" -o "$(windows_path "$work/windows")\\tinh" -q \
  -t bao-cao-ntm-2025 --nhom thu-muc >/dev/null

echo "== the page: no command, as a double-click starts it"
# A page job done (its progress says «xong»), or a minute gone.
wait_done() {
  for _ in $(seq 600); do
    curl -fsS "$1/tien-do" | grep -q '"trang_thai":"xong"' && return
    sleep 0.1
  done
}
wine "$bin/baocao.exe" >"$work/page.log" 2>&1 &
server=$!
url=""
for _ in $(seq 600); do
  url="$(grep -ao 'http://127\.0\.0\.1:[0-9]*/' "$work/page.log" | head -1 || true)"
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { cat "$work/page.log"; echo "the page never said its address" >&2; exit 1; }
grep -q "Để dừng: nhấn Ctrl-C hoặc đóng cửa sổ này" "$work/page.log"
curl -fsS -o "$work/page.html" "$url"
grep -q "<html" "$work/page.html"
job="$(curl -fsS -o /dev/null -w '%{redirect_url}' -F "tep=@samples/Ba Thành.xlsx" "${url}lap")"
wait_done "$job"
mkdir -p "$work/linux/trang" "$work/windows/trang"
cp "$work/linux/Báo cáo Ba Thành.docx" "$work/linux/trang/bao-cao.docx"
curl -fsS -o "$work/windows/trang/bao-cao.docx" "$job/tai/0"
# A PDF from the page on a PC without LibreOffice: laid out in-process.
job="$(curl -fsS -o /dev/null -w '%{redirect_url}' -F "tep=@samples/Ba Thành.xlsx" -F dinh_dang=pdf "${url}lap")"
wait_done "$job"
curl -fsS -o "$work/trang.pdf" "$job/tai/0"
[ "$(head -c 5 "$work/trang.pdf")" = "%PDF-" ] || { echo "the page made no PDF" >&2; exit 1; }
# Wine gives SIGINT to the program as Ctrl-C: it stops and removes its temporary folders.
kill -INT "$server"
wait "$server"
server=""
grep -q "Đang dừng máy chủ" "$work/page.log"
left="$(find "$WINEPREFIX/drive_c" -name 'baocao-web-*')"
[ -z "$left" ] || { echo "temporary folders left: $left" >&2; exit 1; }

# ---- NATIVE PDF under wine (no LibreOffice there); WINE_PDF=0 skips it ----------
if [ "${WINE_PDF:-1}" = 1 ]; then
  echo "== native PDF"
  exe render "$(windows_path "samples/Ba Thành.xlsx")" -f pdf -o "$(windows_path "$work")\\Ba Thành.pdf" >/dev/null
  exe batch 'samples\huyen-ba-to' -f pdf -o "$(windows_path "$work")\\pdf" -q
  [ "$(head -c 5 "$work/Ba Thành.pdf")" = "%PDF-" ]
  [ "$(find "$work/pdf" -name '*.pdf' | wc -l)" -ge 19 ]
  PATH=/nonexistent "$linux" render "samples/Ba Thành.xlsx" -f pdf -o "$work/linux-ba-thanh.pdf" >/dev/null
  if cmp -s "$work/linux-ba-thanh.pdf" "$work/Ba Thành.pdf"; then
    echo "native PDF: the same bytes as Linux"
  else
    echo "native PDF: bytes differ from Linux (fonts found on each system)"
  fi
fi
# -----------------------------------------------------------------------------------

echo "== comparing the Windows program's files with the Linux program's"
compare "$work/linux" "$work/windows"
echo "$same files identical, $differ different"
[ "$differ" = 0 ]
echo "windows stage: $((SECONDS - started)) s"
