"""The plot of a run with resources: waiting per step, utilisation per pool, queues over time, time to meeting.

Drawn with the helpers of `_plots` (matplotlib only when a plot is made, fixed metadata and
ids, so the same KPIs give the same bytes); `plot_run` writes it as ``capacity`` when the
KPIs have a ``resources`` part.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._capacity import POOLS, STEPS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_COLOURS = {"staff": "#0072B2", "mediators": "#D55E00", "rooms": "#009E73"}


def capacity_figure(kpis: Mapping[str, Any]) -> Figure:
    """Four panels: wait per step (mean, median, 90th percentile), utilisation per pool, the number
    waiting for each pool day by day, and the share of cases met by day t against the published 25-35 days."""
    from ._plots import _curves, _name, _new_figure, _percent_axis  # noqa: PLC0415 - the plots import this module

    resources = kpis["resources"]
    fig = _new_figure(12.0, 8.0)
    (waits, use), (queues, meeting) = fig.subplots(2, 2)
    steps = [s for s in STEPS if resources["wait_days"][s]["n"]]
    ys = list(range(len(steps)))
    for offset, (key, label, colour) in enumerate(
        (("mean", "mean", "#0072B2"), ("p50", "median", "#999999"), ("p90", "90th percentile", "#D55E00"))
    ):
        values = [resources["wait_days"][s][key] or 0.0 for s in steps]
        waits.barh([y + (offset - 1) * 0.26 for y in ys], values, height=0.26, color=colour, label=label)
    waits.set_yticks(ys, [f"{s.replace('_', ' ')} (n = {resources['wait_days'][s]['n']:,})" for s in steps])
    waits.invert_yaxis()
    waits.set_xlabel("days waited for the resource")
    waits.set_title("Waiting per step")
    waits.legend(frameon=False, fontsize=8)
    shares = [100.0 * (resources["utilisation"][p] or 0.0) for p in POOLS]
    use.bar(list(POOLS), shares, color=[_COLOURS[p] for p in POOLS])
    for x, share in enumerate(shares):
        use.text(x, share + 1.5, f"{share:.0f} %", ha="center", fontsize=8)
    use.set_ylim(0, 110)
    _percent_axis(use, "y")
    use.set_ylabel("busy share of the time available")
    use.set_title("Utilisation per pool (over the arrivals)")
    for pool in POOLS:
        by_day = resources["queue_length"][pool]["by_day"]
        days = max((int(d) for d in by_day), default=0)
        xs = list(range(days + 1))
        queues.plot(xs, [by_day.get(str(d), 0) for d in xs], color=_COLOURS[pool], linewidth=1.0, label=pool)
    queues.set_xlabel("day since the start")
    queues.set_ylabel("cases waiting (at noon, all councils)")
    queues.set_title("Queue length over time")
    queues.legend(frameon=False, fontsize=8)
    low, high = resources["receipt_to_meeting"]["published_days"]
    meeting.axvspan(low, high, color="#E69F00", alpha=0.25, label=f"published: {low:g} to {high:g} days [K2023]")
    _curves(meeting, [(kpis, "time_to_meeting", "first meeting held", _COLOURS["staff"], "-")])
    median = resources["receipt_to_meeting"]["median_days"]
    meeting.set_title(f"Receipt to meeting: median {median:.1f} days" if median is not None else "Receipt to meeting")
    meeting.legend(loc="lower right", frameon=False, fontsize=8)
    fig.suptitle(f"Capacity: {_name(kpis)}, {int(kpis['cases']):,} cases in {resources['councils']} councils")
    return fig


def plot_capacity(kpis: Mapping[str, Any], folder: Path) -> list[Path]:
    """Write ``capacity`` (waits, utilisation, queues, time to meeting) as PNG and SVG into ``folder``.

    Raises:
        InvalidInput: `kpis` is not the KPIs of a run with resources, or `folder` is not a path.
    """
    from .. import _arguments as arguments  # noqa: PLC0415
    from ..errors import InvalidInput  # noqa: PLC0415
    from ._kpis import check_kpis  # noqa: PLC0415
    from ._plots import _matplotlib, _save  # noqa: PLC0415

    check_kpis(kpis, "plot_capacity", "kpis")
    if not isinstance(kpis.get("resources"), Mapping):
        raise InvalidInput("plot_capacity: kpis has no resources part: run a scenario with [resources]", field="kpis")
    where = arguments.folder("plot_capacity", "folder", folder)
    with _matplotlib():
        return _save(capacity_figure(kpis), where, "capacity")
