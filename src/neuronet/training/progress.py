"""A progress bar for training (rich): epochs, best loss, restarts alive."""

from __future__ import annotations


class _Progress:
    """A rich progress bar: epochs, best loss, restarts alive."""

    def __init__(self, epochs: int, R: int):
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn  # noqa: PLC0415

        self._p = Progress(TextColumn("training"), BarColumn(), TextColumn("{task.completed}/{task.total} epochs"),
                           TextColumn("best loss {task.fields[best]}"), TextColumn("{task.fields[alive]} alive"),
                           TimeRemainingColumn(), transient=False)
        self._task = self._p.add_task("train", total=epochs, best="–", alive=R)
        self._p.start()

    def update(self, info: dict) -> None:
        self._p.update(self._task, completed=info["epoch"], best=f"{info['best_loss']:.4g}", alive=info["alive"])

    def close(self) -> None:
        self._p.stop()
