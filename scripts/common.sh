# Helpers sourced by the launchers: absolute paths, the project's Python, and the zoo's work directory.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

abspath() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }

# The project's virtualenv if scripts/install.sh made one, else $PYTHON or python3.
PY="${PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PY" ] || PY=python3

require_dir() { [ -d "$2" ] || { echo "error: $1 $2 is not a directory" >&2; exit 1; }; }
require_file() { [ -f "$2" ] || { echo "error: $1 $2 is not a file" >&2; exit 1; }; }

# Recreate ./$1 with a copy of the code (as the zoo does), cd into it and record the environment.
enter_workdir() {
  rm -rf "./$1" && mkdir "./$1"
  cp "$ROOT"/*.py "$ROOT"/*.yaml "./$1" && cp -r "$ROOT/src" "./$1"
  cd "./$1" && env > env.log
}
