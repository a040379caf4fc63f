"""Training: the seed's loop (backpropagation and SGD, restarts kept as an axis), its run state,
checkpoints and the result. The arithmetic of a step lives in ``neuronet.model`` (the reference)
and ``neuronet.engines`` (compiled)."""

from .loop import train
from .result import Ensemble, TrainResult

__all__ = ["train", "TrainResult", "Ensemble"]
