#!/usr/bin/env bash
# Install everything, then run the default test suite (the slow end-to-end tests too with -m "slow or not slow",
# as CI does). Tests that read the real benchmark files skip, with their reason, where ../shared/realdata
# (or $CRNN_REALDATA) is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/python -m pytest "$@"
