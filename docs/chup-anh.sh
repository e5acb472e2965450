#!/usr/bin/env bash
# Chụp lại ảnh màn hình của hướng dẫn (docs/anh/*.png) từ trang thật, trong Chromium
# không giao diện: cần các gói chromium và chromium-driver.
set -euo pipefail
cd "$(dirname "$0")/.."
BAOCAO_CHUP_ANH=1 cargo test --test serve_browser -- --nocapture
ls -l docs/anh
