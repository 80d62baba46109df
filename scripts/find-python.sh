#!/usr/bin/env bash
# Print a Python 3.10 interpreter (Rasa 3.6 runs on 3.8-3.10; this project uses 3.10) or fail clearly.
set -u
for candidate in "${PYTHON310:-}" python3.10 $(ls -d "$HOME"/.pyenv/versions/3.10.*/bin/python 2>/dev/null | sort -V -r) /usr/bin/python3.10 /usr/local/bin/python3.10; do
  [ -n "$candidate" ] || continue
  if "$candidate" -c 'import sys, venv; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; then
    command -v "$candidate" 2>/dev/null || echo "$candidate"
    exit 0
  fi
done
echo "需要 Python 3.10（Rasa 3.6 不支持更新的版本）：未在 PATH 或 ~/.pyenv/versions/3.10.* 中找到。" >&2
echo "Python 3.10 is required (Rasa 3.6 supports 3.8-3.10): install it (e.g. 'pyenv install 3.10') or set PYTHON310=/path/to/python3.10." >&2
exit 1
