#!/usr/bin/env bash
# Install everything, then run the default test suite (add -m slow for the long tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/python -m pytest "$@"
