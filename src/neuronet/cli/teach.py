"""The seed's own material: ``neuronet explain`` and ``neuronet demo``."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import List, Optional

import numpy as np
import typer

from ..io import tabular
from ..errors import DataError
from ._app import (app, _handled, _out, _positive, safe)

NBSP = "\u00a0"      # a space textwrap does not break at (printed as a plain space)


@app.command()
@_handled
def explain(
    model: Optional[Path] = typer.Argument(None, metavar="MODEL",
                                           help="A model file (trained by neuronet train, or built by hand and "
                                                "saved with net.save); without one, the seed's running example "
                                                "(9 neurons, x = 0.5, y = 1)."),
    x: Optional[List[str]] = typer.Option(None, "--x", metavar="X",
                                          help="An example's inputs as the network takes them, comma separated "
                                               "(0.3 or 0.3,1.2); repeat --x for more examples (--steps)."),
    y: Optional[List[str]] = typer.Option(None, "--y", metavar="Y",
                                          help="The target for each --x, comma separated (a class index for a "
                                               "cross-entropy model); without it, only the forward pass."),
    steps: int = typer.Option(1, "--steps", min=1, max=100,
                              help="Show this many consecutive per-example SGD updates, each on the next example "
                                   "with its step size from the schedule (the seed: \"do all of this again for "
                                   "the next training point\")."),
    row: int = typer.Option(0, "--row", min=0, help="Which data row to explain (0 = the first)."),
    data: Optional[str] = typer.Option(None, "--data", help="Where the row comes from (default: the data the "
                                                            "model was trained on, when that was a built-in set)."),
    step_size: float = typer.Option(0.1, "--step-size", callback=_positive, help="The step size η₀ of the "
                                                                                 "weight updates shown."),
    as_json: bool = typer.Option(False, "--json", help="Print the explanation as JSON."),
) -> None:
    """Walk examples through a network: forward pass, loss, backpropagation, SGD updates.

    \b
      neuronet explain                          # the seed's running example, x = 0.5, y = 1
      neuronet explain --x 0.3 --y -1           # the running example on an example of yours
      neuronet explain --steps 3                # three consecutive updates on three examples
      neuronet explain model.json --x 0.3,1.2   # any model file, hand-built ones included
      neuronet explain model.json --row 2       # a row of the data a CLI model was trained on
    """
    from ..seeing import explain as explaining  # noqa: PLC0415

    if y and not x:
        raise typer.BadParameter("--y is the target of an --x example; give --x too.")
    if x and (row or data is not None):
        raise typer.BadParameter("--row and --data choose a row of a model's data, --x gives the example itself; "
                                 "use one or the other.")
    header = ""
    loss = None
    if model is None:
        from ..model import examples  # noqa: PLC0415

        if row or data is not None:
            raise typer.BadParameter("--row and --data choose a row of a model's data; give MODEL too "
                                     "(without MODEL, explain shows the seed's running example).")
        net = examples.running_example()
        if x:
            X, Y = _examples(x, y, net)
        else:
            X, Y = (examples.running_example_data() if steps > 1
                    else tuple(a[None] for a in examples.running_example_input()))         # (K, 1), (K, 1)
            seed = examples.SEED.replace(examples.AUTHOR, examples.AUTHOR.replace(" ", NBSP))   # one name, one line
            header = (f"The running example of the seed, {seed}, "
                      + (f"on {len(X)} training points of y = 2x (x = "
                         + ", ".join(f"{v:g}".replace("-", "−") for v in X[:, 0]) + ")"
                         if steps > 1 else "on its documented example x = 0.5, y = 1"))
    elif x:
        from ..model.network import load  # noqa: PLC0415

        net = load(model)
        X, Y = _examples(x, y, net)
    else:
        X, Y, loss, header, net = _model_rows(model, row, data, steps)
    if len(X) > steps:
        raise DataError(f"{len(X)} examples were given with --x but --steps is {steps}; give --steps {len(X)} "
                        "to walk through all of them.")
    e = explaining.explain(net, X if steps > 1 else X[0], None if Y is None else (Y if steps > 1 else Y[0]),
                           loss=loss, step_size=step_size, steps=steps)
    if as_json:
        print(json.dumps(e.to_dict(), default=_jsonable))
        return
    if header:
        width = max(_out().width, 60)
        print(safe(textwrap.fill(header, width, break_on_hyphens=False).replace(NBSP, " "), newlines=True) + "\n")
    print(safe(e.text(width=max(_out().width, 60)), newlines=True))


def _examples(xs: List[str], ys: Optional[List[str]], net) -> tuple[np.ndarray, Optional[np.ndarray]]:
    """--x and --y texts -> X (K, n_in) and Y (K, m) or None, each example checked against the network."""
    n_in = len(net.inputs)
    X = np.array([_numbers(t, "--x", n_in, "input") for t in xs])                     # (K, n_in)
    if not ys:
        return X, None
    if len(ys) != len(xs):
        raise DataError(f"Give one --y per --x: received {len(xs)} --x and {len(ys)} --y.")
    m = len(net.outputs)
    widths = {len([v for v in t.split(",") if v.strip()]) for t in ys}
    Y = np.array([_numbers(t, "--y", m if widths != {1} else 1, "output") for t in ys])   # (K, m) or (K, 1)
    return X, Y


def _numbers(text: str, option: str, n: int, what: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise DataError(f"{option} {text!r}: give numbers separated by commas, such as 0.3 or 0.3,1.2.") from None
    if len(values) != n or not all(np.isfinite(values)):
        raise DataError(f"{option} {text!r}: the network has {n} {what} neuron{'s' if n != 1 else ''}, so give "
                        f"{n} finite number{'s' if n != 1 else ''}" + (", comma separated." if n > 1 else "."))
    return values


def _model_rows(model: Path, row: int, data: Optional[str], steps: int):
    """Rows row … row+steps−1 of a CLI model's data, preprocessed: (X, Y or None, loss, header, net)."""
    from ..model.network import load  # noqa: PLC0415

    net = load(model)
    if "preprocessing" not in net.info:
        raise DataError(f"{model} was not trained by neuronet train, so it has no data rows to explain (no "
                        "preprocessing record); give the example itself with --x, one number per input neuron, "
                        "and its target with --y.")
    prep = tabular.Preprocessing.of(net, str(model))
    spec = data or net.info.get("data")
    if spec is None:
        raise DataError(f"Give the data to take the row from with --data (a CSV file with the columns {model} "
                        "was trained on, or a built-in data set), or give the example itself with --x.")
    try:
        t = tabular.open_data(spec)
    except DataError:
        if data is not None:
            raise
        raise DataError(f"Give the data to take the row from with --data: {model} was trained on {spec!r}, "
                        "which is neither a file here nor a built-in data set.") from None
    last = row + steps - 1
    if last >= t.n_rows:
        what = f"--row {row}" if steps == 1 else f"--row {row} with --steps {steps} (rows {row}…{last})"
        raise DataError(f"{what} is past the end of {t.source}, which has {t.n_rows} rows (0…{t.n_rows - 1}).")
    some = t.rows(list(range(row, last + 1)))
    X = prep.transform(some)                                                          # (K, n_in)
    # without the target column only the forward pass is explained
    Y = prep.targets(prep.encode_target(some)) if prep.has_target(some) else None
    first = some.rows([0])
    label = f"; target {prep.target} = {first.columns[prep.target].cell(0)}" if Y is not None else ""
    rows = t.where(row) if steps == 1 else f"{t.where(row)} and the {steps - 1} rows after it"
    header = (f"{rows}, preprocessed as {model} stores it{label}; inputs x = "
              f"({', '.join(prep.input_names)})")
    return X, Y, prep.loss, header, net


def _jsonable(v):
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    return str(v)


def _demo_name(v: str) -> str:
    from ..seeing import demos  # noqa: PLC0415

    if v not in demos.NAMES:
        raise typer.BadParameter(f"unknown demo {v!r}; the demos are: {', '.join(demos.NAMES)}.")
    return v


def _demo_help() -> str:
    """The demo command's help: what it does, then every demo by name (from the demos' own table)."""
    from ..model.examples import SEED  # noqa: PLC0415
    from ..seeing.demos import DESCRIPTIONS, NAMES  # noqa: PLC0415  (numpy only: cheap)

    width = max(len(name) for name in NAMES)
    listing = "\n".join(f"  {name:<{width}}  {DESCRIPTIONS[name]}" for name in NAMES)
    return (f"Run one of the demonstrations of the seed, {SEED}: each prints what the seed claims next "
            f"to what the run shows, and draws pictures with --out.\n\n\b\nThe demos:\n{listing}")


@app.command(help=_demo_help())
@_handled
def demo(
    name: str = typer.Argument(..., callback=_demo_name, metavar="NAME",
                               help="Which demo (listed above)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="A folder for the pictures the demo draws."),
    seed: int = typer.Option(0, min=0),
) -> None:
    from ..seeing import demos  # noqa: PLC0415

    if out is not None and not out.is_dir():
        raise DataError(f"--out {str(out)!r} is not a folder; create it first.")
    print(demos.run(name, out_dir=out, seed=seed))


# -- data --------------------------------------------------------------------------------------
