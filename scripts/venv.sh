# Sourced by the scripts: sets $python to the active virtualenv's interpreter,
# else .venv's, or stops with a hint to run scripts/setup.
if [[ -n ${VIRTUAL_ENV:-} && -x $VIRTUAL_ENV/bin/python ]]; then
  python="$VIRTUAL_ENV/bin/python"
elif [[ -x .venv/bin/python ]]; then
  python=.venv/bin/python
else
  echo "$(basename "$0"): no virtualenv; run scripts/setup first" >&2
  exit 1
fi
