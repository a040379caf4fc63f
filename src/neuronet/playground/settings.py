"""The playground's settings: what the page may send, with the defaults, each checked with a message that
names the setting, the value received and what is allowed."""

from __future__ import annotations

import math

from neuronet.errors import NeuronetError

DATASETS = ("xor", "circles", "moons", "spirals", "sine")
OPTIMIZERS = ("sgd", "momentum", "adam", "rprop")
SCHEDULES = ("constant", "inverse_time", "power", "exponential", "step", "cosine")
REGRESSION_LOSSES = ("squared", "absolute", "huber")
CLASSIFICATION_LOSSES = ("squared", "absolute", "huber", "cross_entropy", "binary_cross_entropy")
ACTIVATIONS = ("logistic", "tanh", "relu", "leaky_relu", "softplus", "elu", "identity")
MAX_LAYERS, MAX_WIDTH, MAX_RESTARTS = 6, 8, 16
MAX_EPOCHS = 100_000

DEFAULTS = {
    "dataset": "xor", "noise": 0.0, "samples": 200, "test_fraction": 0.0, "data_seed": 0,
    "hidden": [4], "activations": ["tanh"], "output": "logistic", "extra_edges": [],
    "optimizer": "sgd", "step_size": 0.5, "schedule": "constant", "batch_size": 1, "loss": "squared",
    "restarts": 3, "seed": 0, "epochs": 5_000, "columns": None,
}



class SettingError(NeuronetError):
    """A setting or upload the page sent cannot be used; the message says which and why."""


def _int(s: dict, key: str, lo: int, hi: int) -> int:
    v = s[key]
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise SettingError(f"{key.replace('_', ' ')} must be a whole number from {lo} to {hi}; received {v!r}.")
    return v


def _float(s: dict, key: str, lo: float, hi: float, open_lo: bool = False) -> float:
    try:
        v = float(s[key])
    except (TypeError, ValueError):
        raise SettingError(f"{key.replace('_', ' ')} must be a number; received {s[key]!r}.") from None
    if not math.isfinite(v) or v < lo or v > hi or (open_lo and v == lo):
        raise SettingError(f"{key.replace('_', ' ')} must be a number {'above' if open_lo else 'from'} {lo:g} "
                           f"{'and at most' if open_lo else 'to'} {hi:g}; received {s[key]!r}.")
    return v


def _choice(s: dict, key: str, options) -> str:
    if s[key] not in options:
        raise SettingError(f"{key.replace('_', ' ')} must be one of {', '.join(options)}; received {s[key]!r}.")
    return s[key]


def check_settings(given: dict) -> dict:
    """The settings the page sent, completed with the defaults and checked; SettingError names what is wrong."""
    if not isinstance(given, dict):
        raise SettingError("settings must be an object of named values.")
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise SettingError(f"Unknown setting(s) {', '.join(unknown)}; known: {', '.join(DEFAULTS)}.")
    s = {**DEFAULTS, **given}
    if s["dataset"] != "csv":
        _choice(s, "dataset", DATASETS)
    s["noise"] = _float(s, "noise", 0.0, 2.0)
    s["samples"] = _int(s, "samples", 4, 2_000)
    s["test_fraction"] = _float(s, "test_fraction", 0.0, 0.9)
    s["data_seed"] = _int(s, "data_seed", 0, 2**31 - 1)
    hidden, acts = s["hidden"], s["activations"]
    if not isinstance(hidden, list) or len(hidden) > MAX_LAYERS:
        raise SettingError(f"hidden must be a list of at most {MAX_LAYERS} layer widths; received {hidden!r}.")
    if not isinstance(acts, list) or len(acts) != len(hidden):
        raise SettingError(f"Give one activation per hidden layer ({len(hidden)}); received {acts!r}.")
    for k, w in enumerate(hidden):
        _int({f"layer {k + 2} width": w}, f"layer {k + 2} width", 1, MAX_WIDTH)
        _choice({f"layer {k + 2} activation": acts[k]}, f"layer {k + 2} activation", ACTIVATIONS)
    _choice(s, "output", ACTIVATIONS)
    edges = s["extra_edges"]
    if not isinstance(edges, list) or not all(isinstance(e, list) and len(e) == 2 and all(
            isinstance(v, int) and not isinstance(v, bool) for v in e) for e in edges):
        raise SettingError(f"extra edges must be pairs of neuron ids [[i, j], …]; received {edges!r}.")
    _choice(s, "optimizer", OPTIMIZERS)
    s["step_size"] = _float(s, "step_size", 0.0, 100.0, open_lo=True)
    _choice(s, "schedule", SCHEDULES)
    s["batch_size"] = _int(s, "batch_size", 1, 10_000)
    _choice(s, "loss", CLASSIFICATION_LOSSES)
    s["restarts"] = _int(s, "restarts", 1, MAX_RESTARTS)
    s["seed"] = _int(s, "seed", 0, 2**31 - 1)
    s["epochs"] = _int(s, "epochs", 1, MAX_EPOCHS)
    return s
