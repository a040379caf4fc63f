"""The seed's own material: ``neuronet explain`` and ``neuronet demo``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import numpy as np
import typer

from ..io import tabular
from ..errors import DataError
from ._app import (app, _handled, _out, _positive)
from .use import _load_model  # noqa: F401


@app.command()
@_handled
def explain(
    model: Optional[Path] = typer.Argument(None, metavar="MODEL",
                                           help="A model file; without one, the seed's running example "
                                                "(9 neurons, x = 0.5, y = 1)."),
    row: int = typer.Option(0, "--row", min=0, help="Which data row to explain (0 = the first)."),
    data: Optional[str] = typer.Option(None, "--data", help="Where the row comes from (default: the data the "
                                                            "model was trained on, when that was a built-in set)."),
    step_size: float = typer.Option(0.1, "--step-size", callback=_positive, help="The step of the weight update "
                                                                                 "shown at the end."),
    as_json: bool = typer.Option(False, "--json", help="Print the explanation as JSON."),
) -> None:
    """Walk one example through a network: forward pass, loss, backpropagation, one SGD step."""
    from ..seeing import explain as explaining  # noqa: PLC0415

    if model is None:
        from ..model import examples  # noqa: PLC0415

        if row or data is not None:
            raise typer.BadParameter("--row and --data choose a row of a model's data; give MODEL too "
                                     "(without MODEL, explain shows the seed's running example).")
        net = examples.running_example()
        x, y = examples.running_example_input()
        loss = "squared"
    else:
        net, prep = _load_model(model)
        spec = data or net.info.get("data")
        if spec is None:
            raise DataError(f"Give the data to take the row from with --data (a CSV file with the columns {model} "
                            "was trained on, or a built-in data set).")
        try:
            t = tabular.open_data(spec)
        except DataError:
            if data is not None:
                raise
            raise DataError(f"Give the data to take the row from with --data: {model} was trained on {spec!r}, "
                            "which is neither a file here nor a built-in data set.") from None
        if row >= t.n_rows:
            raise DataError(f"--row {row} is past the end of {t.source}, which has {t.n_rows} rows "
                            f"(0…{t.n_rows - 1}).")
        one = t.rows([row])
        x = prep.transform(one)[0]                                              # (n_in,)
        # without the target column only the forward pass is explained
        y = prep.targets(prep.encode_target(one))[0] if prep.has_target(one) else None
        loss = prep.loss
    e = explaining.explain(net, x, y, loss=loss, step_size=step_size)
    if as_json:
        print(json.dumps(e.to_dict(), default=_jsonable))
        return
    if model is not None:
        label = f"; target {prep.target} = {one.columns[prep.target].cell(0)}" if y is not None else ""
        print(f"{t.where(row)}, preprocessed as {model} stores it{label}; inputs x = "
              f"({', '.join(prep.input_names)})\n")
    print(e.text(width=max(_out().width, 60)))


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


@app.command()
@_handled
def demo(
    name: str = typer.Argument(..., callback=_demo_name, metavar="NAME",
                               help="Which demo (neuronet demo --help lists them)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="A folder for the pictures the demo draws."),
    seed: int = typer.Option(0, min=0),
) -> None:
    """Run one of the seed's demonstrations (XOR and restarts, boolean functions, backpropagation…)."""
    from ..seeing import demos  # noqa: PLC0415

    if out is not None and not out.is_dir():
        raise DataError(f"--out {str(out)!r} is not a folder; create it first.")
    print(demos.run(name, out_dir=out, seed=seed))


# -- data --------------------------------------------------------------------------------------
