"""Suite-wide settings.

Hypothesis draws its examples from a fixed seed here (``derandomize``), so a run of the suite
passes or fails the same way every time and on every machine. To explore (a fuzzing session, not
CI), run ``NEURONET_HYPOTHESIS=explore python -m pytest tests/test_files.py`` a few times: each run
draws new examples. A failure it finds becomes a plain regression test.
"""
import os

from hypothesis import settings

settings.register_profile("fixed", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile("explore" if os.environ.get("NEURONET_HYPOTHESIS") == "explore" else "fixed")
