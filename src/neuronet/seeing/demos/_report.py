"""What every demo writes into: lines of at most 80 columns, and pictures drawn only when saved."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Callable

import numpy as np

WIDTH = 80


# -- a report: lines and pictures -----------------------------------------------------------------
class _Report:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.pictures: list[tuple[str, object]] = []   # (file name, Figure or a function making one)
        self.saved: list[Path] = []
        self.quoted = False

    def title(self, text: str) -> None:
        self.lines += [text, "=" * len(text), ""]

    def para(self, text: str, indent: int = 0) -> None:
        self.lines += textwrap.wrap(text, WIDTH, initial_indent=" " * indent, subsequent_indent=" " * indent,
                                    break_on_hyphens=False) + [""]

    def quote(self, where: str, text: str) -> None:
        """A passage of the seed, by section ("III.I"), or of the comments below it."""
        who = f"The seed ({where})" if where[:1].isupper() else f"The seed, {where}"
        self.quoted = True
        self.lines += textwrap.wrap(f"{who}: “{text}”", WIDTH, subsequent_indent="  ",
                                    break_on_hyphens=False) + [""]

    def table(self, rows: list[str]) -> None:
        self.lines += ["  " + r for r in rows] + [""]

    def picture(self, name: str, make: Callable) -> None:
        """Register a picture; ``make()`` draws it only when pictures are saved."""
        self.pictures.append((name, make))

    def save_pictures(self, out: Path) -> None:
        from .. import draw  # noqa: PLC0415 (matplotlib only when pictures are wanted)

        for name, make in self.pictures:
            fig = make()
            self.saved.append(draw.save(fig, out / name, dpi=120))
        self.lines += ["Pictures:"] + [f"  {p}" for p in self.saved] + [""]

    def sign_off(self) -> None:
        """Name the seed once, under everything the demo quoted from it."""
        if self.quoted:
            from ...model.examples import SEED  # noqa: PLC0415

            self.lines += textwrap.wrap(f"The seed: {SEED}.", WIDTH) + [""]

    def text(self) -> str:
        while self.lines and not self.lines[-1]:
            self.lines.pop()
        return "\n".join(self.lines) + "\n"


def _classified(net, X: np.ndarray, y: np.ndarray) -> bool:
    """Every example on the right side of ½ (one logistic output, targets 0/1)."""
    return bool(np.all((net.forward(X)[:, 0] > 0.5) == (y > 0.5)))


def _uniform_net(sizes, scale: float, rng: np.random.Generator, hidden="logistic", output="logistic"):
    """An mlp whose weights are drawn uniformly from [−scale, scale] (as the classic papers did)."""
    from ...model.graph import mlp  # noqa: PLC0415

    net = mlp(sizes, hidden=hidden, output=output, seed=0)
    net.set_weights({ij: float(rng.uniform(-scale, scale)) for ij in net.weights})
    return net


def _draw():
    from .. import draw  # noqa: PLC0415

    return draw


