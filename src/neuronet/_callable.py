"""Modules that can be called: ``nn.draw(net)`` calls ``neuronet.draw.draw`` while
``nn.draw.loss_curves`` stays reachable (the same for ``nn.explain``)."""

from __future__ import annotations

import sys
import types


class _CallableModule(types.ModuleType):
    def __call__(self, *args, **kwargs):
        return getattr(self, self.__call_target__)(*args, **kwargs)


def make_callable(module_name: str, function_name: str) -> None:
    mod = sys.modules[module_name]
    mod.__call_target__ = function_name
    mod.__class__ = _CallableModule
