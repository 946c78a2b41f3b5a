"""User-facing errors and the one way entry scripts report them: one line, non-zero exit."""
import functools
import logging
import sys


class CRNNError(Exception):
    """A problem with the user's input (path, checkpoint, option) whose message says what and where."""


class ConfigError(ValueError):
    """A configuration key or value is wrong; the message names it."""


def report_errors(main):
    """Run main(); turn a CRNNError or configuration error into one 'error: ...' line and exit code 2."""

    @functools.wraps(main)
    def wrapper(*args, **kwargs):
        try:
            return main(*args, **kwargs)
        except (CRNNError, ConfigError, FileNotFoundError) as err:
            logging.getLogger("crnn").debug("error detail", exc_info=True)
            print(f"error: {err}", file=sys.stderr)
            sys.exit(2)
        except RuntimeError as err:
            # MindSpore's data pipeline re-raises errors of our reader threads as a long RuntimeError.
            inner = [line for line in str(err).splitlines() if "CRNNError: " in line and "Traceback" not in line]
            if not inner:
                raise
            print(f"error: {inner[-1].split('CRNNError: ', 1)[1]}", file=sys.stderr)
            sys.exit(2)
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            sys.exit(130)
    return wrapper
