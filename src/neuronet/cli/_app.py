"""The command line's application object, its error handling and the argument parsers every command shares."""

from __future__ import annotations

import functools
import math
import os
import re
import shlex
import sys
import warnings
from enum import Enum
from typing import Any, Callable, Optional

import typer

from ..errors import CheckpointWarning, DataError, NeuronetError

HELP = """Feed-forward neural networks: train on a CSV file or a built-in data set, predict, inspect.

\b
  neuronet train iris                      # a built-in data set: its target is known
  neuronet train data.csv --target price   # any CSV file with a header row
  neuronet predict model.json data.csv     # one prediction per row, as CSV
  neuronet evaluate model.json data.csv    # accuracy and confusion matrix, or RMSE, MAE, R²
  neuronet show model.json                 # the network, its preprocessing, how it was trained
"""

app = typer.Typer(name="neuronet", help=HELP, no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False, rich_markup_mode=None,
                  context_settings={"help_option_names": ["-h", "--help"]})
data_app = typer.Typer(help="The built-in data sets.", no_args_is_help=True)
app.add_typer(data_app, name="data")

INTERRUPTED = 130  # the shell's code for a process ended by SIGINT


def _version(value: bool) -> None:
    if value:
        from .._version import __version__  # noqa: PLC0415

        print(f"neuronet {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    pass


class Task(str, Enum):
    classification = "classification"
    regression = "regression"


class Missing(str, Enum):
    impute = "impute"
    error = "error"


class Engine(str, Enum):
    auto = "auto"
    numpy = "numpy"
    matrix = "matrix"
    neuron = "neuron"


# -- text from data is text ---------------------------------------------------------------------
# Control characters (C0, DEL, C1) and the bidirectional overrides that reorder what a terminal
# shows; a terminal would act on them (an escape sequence can recolour, move the cursor or retitle).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe(value: Any, newlines: bool = False) -> str:
    """Any text that comes from data (a class, column or file name, metadata) as it may be printed.

    Control characters are shown visibly (ESC as ``\\x1b``, a newline as ``\\n`` unless ``newlines``)
    instead of reaching the terminal. Rich markup needs no escaping: the console of :func:`_out` does
    not interpret markup or emoji codes at all (``markup=False``), so ``[red]`` or ``[/]`` in a label
    is printed as written and can never raise a MarkupError, wherever a value is printed.
    """
    def visible(m: re.Match) -> str:
        c = m.group()
        if newlines and c == "\n":
            return c
        return f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"

    return _CONTROL.sub(visible, str(value))


# -- errors: one line, no traceback ---------------------------------------------------------
def _fail(message: str, code: int = 1) -> None:
    print(f"error: {safe(message, newlines=True)}", file=sys.stderr)
    raise typer.Exit(code)


def _warn(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings (a checkpoint that could not be written) as one line, ``warning: message``."""
    print(f"warning: {safe(str(message), newlines=True)}", file=sys.stderr)


def _handled(fn: Callable) -> Callable:
    """Run a command; a NeuronetError or OSError becomes ``error: message`` and exit code 1."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        try:
            with warnings.catch_warnings():   # a warning of ours is a line on stderr, whatever the filters
                warnings.simplefilter("always", CheckpointWarning)
                warnings.showwarning = _warn
                return fn(*args, **kwargs)
        except NeuronetError as exc:
            _fail(getattr(exc, "cli", None) or str(exc))
        except BrokenPipeError:  # the reader went away (`neuronet predict … | head`): stop quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(0) from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            _fail(f"{where}{exc.strerror or exc}.")
        except KeyboardInterrupt:
            print("interrupted.", file=sys.stderr)
            raise typer.Exit(INTERRUPTED) from None
        except MemoryError:   # sizes are estimated before allocating; should an estimate fall short, still one line
            _fail("out of memory. Reduce the restarts, the epochs, the network's size or the data (neuronet checks "
                  "sizes before allocating, but this call needed more than it estimated).")

    return run


def _out():
    from rich.console import Console  # noqa: PLC0415

    return Console(highlight=False, soft_wrap=False, markup=False, emoji=False)  # data is never markup (safe)


# -- argument parsing -------------------------------------------------------------------------
def _choice(table: Callable[[str], Any], what: str) -> Callable[[Optional[str]], Optional[str]]:
    """A callback that checks a name against a library table (activations, losses…): exit code 2 if unknown."""

    def check(value: Optional[str]) -> Optional[str]:
        if value is None:
            return value
        try:
            table(value)
        except NeuronetError as exc:
            raise typer.BadParameter(str(exc)) from None
        return value

    return check


def _activation(v):
    from ..model import activations  # noqa: PLC0415

    _choice(activations.get, "activation")(v)
    if v is not None and activations.get(v).name == "step":
        raise typer.BadParameter("step cannot be trained by backpropagation (its derivative is 0); use logistic, "
                                 "tanh or relu.")
    return v


def _loss(v):
    from ..model import losses  # noqa: PLC0415

    return _choice(losses.get, "loss")(v)


def _optimizer(v):
    from ..model import optimizers  # noqa: PLC0415

    return _choice(optimizers.get, "optimizer")(v)


def parse_schedule(text: str):
    """'inverse_time' or 'inverse_time(decay=0.01)' -> the spec schedules.get takes."""
    m = re.fullmatch(r"\s*([A-Za-z_]+)\s*(?:\((.*)\))?\s*", text)
    if not m:
        raise DataError(f"A schedule is a name, optionally with parameters: 'inverse_time' or "
                        f"'inverse_time(decay=0.01)'; received {text!r}.")
    params = {}
    for part in filter(None, (p.strip() for p in (m.group(2) or "").split(","))):
        key, eq, value = part.partition("=")
        try:
            params[key.strip()] = float(value)
        except ValueError:
            raise DataError(f"Schedule parameter {part!r} must be name=number; received schedule={text!r}.") from None
        if not eq:
            raise DataError(f"Schedule parameter {part!r} must be name=number; received schedule={text!r}.")
    return {"name": m.group(1), **params}


def _schedule(v):
    from ..model import schedules  # noqa: PLC0415

    return _choice(lambda s: schedules.get(parse_schedule(s)), "schedule")(v)


def _hidden(text: str) -> str:
    parse_hidden(text)
    return text


def parse_hidden(text: str) -> list[int]:
    """'16,16' -> [16, 16]; '' or 'none' -> [] (no hidden layer)."""
    if text.strip().lower() in ("", "none", "0"):
        return []
    try:
        sizes = [int(s) for s in text.replace(" ", "").split(",")]
    except ValueError:
        sizes = []
    if not sizes or any(s < 1 for s in sizes):
        raise typer.BadParameter(f"give hidden layer sizes as positive integers separated by commas, such as "
                                 f"16 or 32,16 ('' for none); received {text!r}.")
    return sizes


def _names(text: Optional[str]) -> list[str]:
    return [s.strip() for s in (text or "").split(",") if s.strip()]


def _positive(v: float) -> float:
    if not (math.isfinite(v) and v > 0):
        raise typer.BadParameter(f"must be a positive number; received {v}.")
    return v


def _command_line(ctx: typer.Context, **replace) -> str:
    """The command as a user would type it, with the parameters in ``replace`` changed (None: left out)."""
    words = ["neuronet", ctx.info_name or "train"]
    params = {**ctx.params, **replace}
    for p in ctx.command.params:
        value = params.get(p.name)
        if isinstance(value, Enum):
            value = value.value
        if p.param_type_name == "argument":
            words.append(str(value))
        elif p.param_type_name == "option" and value is not None and (p.name in replace or value != p.default):
            if p.is_flag:
                if value:
                    words.append(p.opts[0])
                elif p.secondary_opts:
                    words.append(p.secondary_opts[0])
            else:
                words += [max(p.opts, key=len), str(value)]
    return shlex.join(words)


# -- train -----------------------------------------------------------------------------------
