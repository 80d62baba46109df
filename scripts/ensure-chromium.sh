#!/usr/bin/env bash
# The browser tests drive Debian's Chromium with Playwright (no browser download). Install it once.
set -euo pipefail
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi wqy; then exit 0; fi
if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
  echo "浏览器测试需要 Debian 的 chromium：请以 root 运行 apt-get install -y chromium" >&2; exit 1
fi
SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
echo "正在安装 chromium 和中文字体（浏览器测试用）……"
$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
