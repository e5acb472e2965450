#!/usr/bin/env bash
# Chụp lại ảnh màn hình của hướng dẫn (docs/anh/*.png) từ trang thật, trong Chromium
# không giao diện, trên màn hình máy tính (1100 px) và điện thoại (400 px): cần các
# gói chromium và chromium-driver.
set -euo pipefail
cd "$(dirname "$0")/.."
BAOCAO_CHUP_ANH=1 cargo test --test serve_browser -- --nocapture
ls -l docs/anh
