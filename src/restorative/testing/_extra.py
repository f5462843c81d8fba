"""What the parts of the testing kit that need Hypothesis raise when it is not installed."""

from __future__ import annotations

INSTALL = "pip install 'restorative[testing]'"
"""How to install what the testing kit needs: Hypothesis (and pytest, for the plugin's fixtures)."""


def without_hypothesis(what: str, missing: ModuleNotFoundError) -> ImportError:
    """The error for `what` when importing Hypothesis failed with `missing`: it says what to install.

    A module missing inside an installed Hypothesis is not ours to explain, and comes back as it was.
    """
    if missing.name is None or missing.name.partition(".")[0] != "hypothesis":
        return missing
    return ImportError(
        f"{what} needs Hypothesis, which is not installed; install it with: {INSTALL}", name="hypothesis"
    )
