"""Plots of a simulation's KPIs: the outcome funnel, time in each stage, time to outcome, and A against B.

matplotlib is imported only when a plot is made (``pip install 'restorative[plot]'``). The figures are
`matplotlib.figure.Figure` objects, never pyplot's global ones, and the files are written with fixed
metadata and fixed SVG ids, so the same KPIs give the same bytes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import _arguments as arguments
from .._lifecycle import ACTIVE_STAGES
from ._kpis import OUTCOMES, check_kpis

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

    from ._sweep import Sweep

FUNNEL = ("referred", "consent", "preparation", "meeting", "agreement", "follow_up")
"""The stages of the funnel, in process order ("meeting": a meeting was held)."""

FUNNEL_NOTE = (
    "Reach: cases that entered each stage, counted from the stays in it (every simulated case closes, so each stay "
    "ends). A case sent back to preparation by an adjourned meeting counts once; 'meeting held': cases whose "
    "meeting took place. Shares are of all cases referred."
)

_STAGE_NOTE = (
    "Histograms: share of the stage's stays\nthat lasted that many days\n(day-wide bins).\n\n"
    "n counts stays: an adjourned\nmeeting sends the case back to\npreparation, so a case can stay\n"
    "in preparation and meeting\nmore than once."
)
_MISSING = "plots need matplotlib: pip install 'restorative[plot]'"
_DPI = 120
_RC: dict[RcKeyType, Any] = {
    "svg.hashsalt": "restorative",  # fixed ids for clip paths and markers: same bytes on every run
    "svg.fonttype": "none",  # text stays text: searchable, and smaller
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "figure.titlesize": 12.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
# rcParams are global: one plot at a time in this process, so threads do not see each other's settings.
_LOCK = threading.Lock()

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
_OUTCOME_COLOURS = {
    "fulfilled": "#009E73",
    "breached": "#E69F00",
    "withdrawn": "#999999",
    "no_agreement": "#D55E00",
    "declined": "#CC79A7",
}
_BLUE = "#0072B2"
_SCENARIO_COLOURS = ("#0072B2", "#D55E00")


def _label(name: str) -> str:
    return name.replace("_", " ")


def _name(kpis: Mapping[str, Any], default: str = "scenario") -> str:
    name = kpis.get("scenario", {}).get("name") or default
    return str(name)


def funnel_counts(kpis: Mapping[str, Any]) -> dict[str, int]:
    """How many cases reached each stage of `FUNNEL`, from a run's KPIs (see `FUNNEL_NOTE`).

    Every simulated case runs to a final stage, so a stage was left as often as it was entered
    and its ``stage_days`` count is its number of entries. Preparation is entered once more after
    each adjournment, so those entries are taken off; the meeting is counted by the cases whose
    meeting was held (``time_to_meeting_days`` n), which does not count a re-scheduled meeting twice.
    """
    stages = kpis["stage_days"]
    adjournments = int(kpis.get("adjournments", {}).get("total", 0))
    return {
        "referred": int(kpis["cases"]),
        "consent": int(stages["consent"]["n"]),
        "preparation": int(stages["preparation"]["n"]) - adjournments,
        "meeting": int(kpis["time_to_meeting_days"]["n"]),
        "agreement": int(stages["agreement"]["n"]),
        "follow_up": int(stages["follow_up"]["n"]),
    }


def cumulative_share(histogram: Mapping[str, int], cases: int) -> tuple[list[float], list[float]]:
    """The share of ``cases`` (in %) done by day t, from a ``{"day": count}`` histogram: steps at bin ends."""
    xs, ys = [0.0], [0.0]
    seen = 0
    for day, count in sorted((int(d), n) for d, n in histogram.items()):
        seen += count
        xs.append(day + 1.0)
        ys.append(100.0 * seen / cases if cases else 0.0)
    return xs, ys


@contextmanager
def _matplotlib() -> Iterator[None]:
    try:
        import matplotlib as mpl  # noqa: PLC0415
    except ImportError as error:
        raise ImportError(_MISSING) from error
    with _LOCK, mpl.rc_context(_RC):
        yield


def _new_figure(width: float, height: float, bottom: float = 0.0) -> Figure:
    from matplotlib.figure import Figure  # noqa: PLC0415
    from matplotlib.layout_engine import ConstrainedLayoutEngine  # noqa: PLC0415

    # constrained layout keeps labels from overlapping; ``bottom`` leaves room for a note under the axes
    layout = ConstrainedLayoutEngine(rect=(0.0, bottom, 1.0, 1.0 - bottom))
    return Figure(figsize=(width, height), dpi=_DPI, layout=layout)


def _freeze_layout(fig: Figure) -> None:
    """Lay the figure out once, then pin every axes where it landed, rounded to a millionth of the figure.

    The layout solver's last digits vary from run to run, and the SVG names each clip box by a hash of its
    exact bounds; pinned, rounded positions give the same ids, and both files the same layout, every time.
    """
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
    for ax in fig.axes:
        x0, y0, width, height = ax.get_position().bounds
        ax.set_position((round(x0, 6), round(y0, 6), round(width, 6), round(height, 6)))
    fig.set_layout_engine("none")


def _save(fig: Figure, folder: Path, stem: str) -> list[Path]:
    _freeze_layout(fig)
    folder.mkdir(parents=True, exist_ok=True)
    png, svg = folder / f"{stem}.png", folder / f"{stem}.svg"
    fig.savefig(png, format="png", dpi=_DPI, metadata={"Software": None})
    fig.savefig(svg, format="svg", metadata={"Date": None})
    return [png, svg]


def _percent_axis(ax: Axes, axis: str = "x") -> None:
    from matplotlib.ticker import FuncFormatter  # noqa: PLC0415

    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(FuncFormatter(lambda value, _: f"{value:g} %"))


def _thousands_axis(ax: Axes) -> None:
    from matplotlib.ticker import StrMethodFormatter  # noqa: PLC0415

    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))


def _outcome_bars(ax: Axes, kpis: Mapping[str, Any]) -> None:
    outcomes = kpis["outcomes"]
    names = [n for n in OUTCOMES if n in outcomes]
    shares = [100.0 * outcomes[n]["share"] for n in names]
    low = [max(0.0, s - 100.0 * outcomes[n]["ci95"][0]) for s, n in zip(shares, names, strict=True)]
    high = [max(0.0, 100.0 * outcomes[n]["ci95"][1] - s) for s, n in zip(shares, names, strict=True)]
    ys = list(range(len(names)))
    ax.barh(ys, shares, color=[_OUTCOME_COLOURS.get(n, _BLUE) for n in names], height=0.6, label="share")
    ax.errorbar(shares, ys, xerr=[low, high], fmt="none", ecolor="black", elinewidth=1, capsize=3, label="95 % CI")
    top = max((s + h for s, h in zip(shares, high, strict=True)), default=0.0)
    for y, s, h, n in zip(ys, shares, high, names, strict=True):
        ax.text(s + h + top * 0.02, y, f"{outcomes[n]['count']:,} ({s:.1f} %)", va="center", fontsize=8)
    ax.set_yticks(ys, [_label(n) for n in names])
    ax.invert_yaxis()
    ax.set_xlim(0, max(top * 1.45, 1.0))
    _percent_axis(ax)
    ax.set_xlabel("share of cases (%), with 95 % Wilson interval")
    ax.set_title("How cases end")


def funnel_figure(kpis: Mapping[str, Any]) -> Figure:
    """The outcome funnel: cases reaching each stage, and the share of each outcome with its 95 % interval."""
    fig = _new_figure(11.0, 4.8, bottom=0.07)
    left, right = fig.subplots(1, 2, width_ratios=[1.1, 1.0])
    counts = funnel_counts(kpis)
    total = int(kpis["cases"])
    ys = list(range(len(FUNNEL)))
    values = [counts[s] for s in FUNNEL]
    left.barh(ys, values, color=_BLUE, height=0.6)
    for y, v in zip(ys, values, strict=True):
        share = f" ({100.0 * v / total:.1f} %)" if total else ""
        left.text(v + max(values, default=0) * 0.015, y, f"{v:,}{share}", va="center", fontsize=8)
    left.set_yticks(ys, [("meeting held" if s == "meeting" else _label(s)) for s in FUNNEL])
    left.invert_yaxis()
    left.set_xlim(0, max(max(values, default=0) * 1.3, 1.0))
    _thousands_axis(left)
    left.set_xlabel("cases reaching the stage (count)")
    left.set_title("How far cases get")
    fig.text(0.01, 0.01, FUNNEL_NOTE, fontsize=7, color="#444444", wrap=True)
    _outcome_bars(right, kpis)
    fig.suptitle(f"Outcome funnel: {_name(kpis)}, {total:,} cases")
    return fig


def stage_durations_figure(kpis: Mapping[str, Any]) -> Figure:
    """Time in each active stage: p10 to p90 ranges with median and mean, and a day histogram per stage."""
    stages = [s.value for s in ACTIVE_STAGES if s.value in kpis["stage_days"]]
    rows = -(-len(stages) // 4)  # rows of small histograms, four to a row
    fig = _new_figure(11.0, 3.2 + 2.4 * rows)
    grid = fig.add_gridspec(1 + rows, 4, height_ratios=[1.3] + [1.0] * rows)
    summary = fig.add_subplot(grid[0, :])
    ys = list(range(len(stages)))
    right_edge = 0.0
    labelled = False
    for y, stage in zip(ys, stages, strict=True):
        s = kpis["stage_days"][stage]
        if not s["n"]:
            continue
        labels = ("_", "_", "_") if labelled else ("10th to 90th percentile", "median", "mean")
        labelled = True
        summary.plot(
            [s["p10"], s["p90"]], [y, y], color=_BLUE, linewidth=6, alpha=0.45, solid_capstyle="butt", label=labels[0]
        )
        summary.plot(
            [s["median"]],
            [y],
            linestyle="none",
            marker="|",
            markersize=16,
            markeredgewidth=2.5,
            color="black",
            label=labels[1],
        )
        summary.plot(
            [s["mean"]], [y], linestyle="none", marker="D", markersize=5, color=_SCENARIO_COLOURS[1], label=labels[2]
        )
        summary.text(
            max(s["p90"], s["mean"]) + 1.0,
            y,
            f"median {s['median']:.1f} d, mean {s['mean']:.1f} d (n = {s['n']:,})",
            va="center",
            fontsize=8,
        )
        right_edge = max(right_edge, s["p90"], s["mean"])
    summary.set_yticks(ys, [_label(s) for s in stages])
    summary.invert_yaxis()
    summary.set_xlim(0, max(right_edge * 1.6, 1.0))
    summary.set_xlabel("days in stage")
    if labelled:
        summary.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=3, frameon=False)
    summary.grid(axis="x", color="#dddddd", linewidth=0.6)
    summary.set_axisbelow(True)
    histograms = kpis.get("histograms_days", {})
    for i, stage in enumerate(stages):
        ax = fig.add_subplot(grid[1 + i // 4, i % 4])
        hist = histograms.get(f"stage:{stage}", {})
        n = sum(hist.values())
        days = sorted((int(d), c) for d, c in hist.items())
        if days:
            # contiguous day bins from the first to the last day seen; empty days in between count 0
            counts = dict(days)
            edges = [float(d) for d in range(days[0][0], days[-1][0] + 2)]
            shares = [100.0 * counts.get(int(d), 0) / n for d in edges[:-1]]
            ax.stairs(shares, edges, color=_BLUE, fill=True, alpha=0.35)
            ax.stairs(shares, edges, color=_BLUE)
        ax.set_title(f"{_label(stage)} (n = {n:,})")
        ax.set_xlabel("days in stage")
        if i % 4 == 0:
            ax.set_ylabel("share of stays (%)")
        _percent_axis(ax, "y")
    if len(stages) % 4:
        note = fig.add_subplot(grid[rows, 3])
        note.axis("off")
        note.text(0.0, 0.5, _STAGE_NOTE, fontsize=8, color="#444444", va="center", wrap=True)
    fig.suptitle(f"Time in each stage: {_name(kpis)}, {int(kpis['cases']):,} cases")
    return fig


def _curves(ax: Axes, series: Sequence[tuple[Mapping[str, Any], str, str, str, str]], *, below: bool = False) -> None:
    """Step curves of `cumulative_share`: (kpis, histogram key, label, colour, line style) each, to one end."""
    curves = []
    for kpis, key, label, colour, style in series:
        xs, ys = cumulative_share(kpis.get("histograms_days", {}).get(key, {}), int(kpis["cases"]))
        curves.append((xs, ys, label, colour, style))
    end = max(max(xs[-1] for xs, *_ in curves) * 1.02, 1.0)
    for xs, ys, label, colour, style in curves:
        # the curve stays flat after its last case: drawn on to the common end of the axis
        ax.step([*xs, end], [*ys, ys[-1]], where="post", color=colour, linestyle=style, linewidth=1.7, label=label)
    ax.axhline(50, color="#bbbbbb", linewidth=0.8, zorder=0)
    ax.set_xlim(0, end)
    ax.set_ylim(0, 100)
    _percent_axis(ax, "y")
    ax.set_xlabel("days since the referral was received")
    ax.set_ylabel("share of all cases (%)")
    ax.grid(color="#eeeeee", linewidth=0.6)
    if below:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncols=2, frameon=False)
    else:
        ax.legend(loc="upper left", frameon=False)


def _reached(kpis: Mapping[str, Any], key: str) -> str:
    cases = int(kpis["cases"])
    n = int(kpis.get(f"{key}_days", {}).get("n", 0))
    return f"{100.0 * n / cases:.0f} % of cases" if cases else "no cases"


def time_to_outcome_figure(kpis: Mapping[str, Any]) -> Figure:
    """The share of cases closed, and with a meeting held, by each day after referral."""
    fig = _new_figure(9.0, 5.0)
    ax = fig.subplots()
    series = []
    for key, what, colour in (
        ("time_to_outcome", "case closed, any outcome", _SCENARIO_COLOURS[0]),
        ("time_to_meeting", "first meeting held", _SCENARIO_COLOURS[1]),
    ):
        series.append((kpis, key, f"{what} (in the end: {_reached(kpis, key)})", colour, "-"))
        median = kpis.get(f"{key}_days", {}).get("median")
        if median is not None:
            ax.axvline(median, color=colour, linestyle=":", linewidth=1)
            ax.annotate(
                f"median {median:.1f} d",
                xy=(median, 2),
                xytext=(3, 0),
                textcoords="offset points",
                color=colour,
                fontsize=8,
                rotation=90,
                va="bottom",
            )
    _curves(ax, series)
    ax.set_title("Share of all cases done by day t (dotted: median over the cases that got there)")
    fig.suptitle(f"Time to meeting and to outcome: {_name(kpis)}, {int(kpis['cases']):,} cases")
    return fig


def comparison_figure(a: Mapping[str, Any], b: Mapping[str, Any]) -> Figure:
    """Outcome shares of A and B with 95 % intervals, and both runs' time to meeting and to outcome."""
    name_a, name_b = _name(a, "A"), _name(b, "B")
    fig = _new_figure(12.0, 5.2)
    left, right = fig.subplots(1, 2, width_ratios=[1.0, 1.1])
    names = list(OUTCOMES)
    height = 0.38
    top = 0.0
    for j, (k, label) in enumerate(((a, f"A: {name_a}"), (b, f"B: {name_b}"))):
        outcomes = k["outcomes"]
        shares = [100.0 * outcomes[n]["share"] for n in names]
        low = [max(0.0, s - 100.0 * outcomes[n]["ci95"][0]) for s, n in zip(shares, names, strict=True)]
        high = [max(0.0, 100.0 * outcomes[n]["ci95"][1] - s) for s, n in zip(shares, names, strict=True)]
        ys = [i + (j - 0.5) * height for i in range(len(names))]
        left.barh(ys, shares, height=height, color=_SCENARIO_COLOURS[j], alpha=0.85, label=f"{label} ({k['cases']:,})")
        left.errorbar(shares, ys, xerr=[low, high], fmt="none", ecolor="black", elinewidth=1, capsize=2.5)
        for y, s, h in zip(ys, shares, high, strict=True):
            left.text(s + h + 0.6, y, f"{s:.1f} %", va="center", fontsize=7.5)
        top = max(top, *(s + h for s, h in zip(shares, high, strict=True)))
    left.set_yticks(range(len(names)), [_label(n) for n in names])
    left.invert_yaxis()
    left.set_xlim(0, max(top * 1.25, 1.0))
    _percent_axis(left)
    left.set_xlabel("share of cases (%), with 95 % Wilson interval")
    left.set_title("Outcomes")
    left.legend(title="scenario (cases)", loc="upper center", bbox_to_anchor=(0.5, -0.13), ncols=2, frameon=False)
    _curves(
        right,
        [
            (a, "time_to_outcome", f"A: {name_a}: case closed", _SCENARIO_COLOURS[0], "-"),
            (a, "time_to_meeting", f"A: {name_a}: first meeting held", _SCENARIO_COLOURS[0], "--"),
            (b, "time_to_outcome", f"B: {name_b}: case closed", _SCENARIO_COLOURS[1], "-"),
            (b, "time_to_meeting", f"B: {name_b}: first meeting held", _SCENARIO_COLOURS[1], "--"),
        ],
        below=True,
    )
    right.set_title("Share of all cases done by day t")
    fig.suptitle(f"{name_a} (A) against {name_b} (B)")
    return fig


PLOT_FILES = tuple(
    f"{stem}.{ext}" for stem in ("funnel", "stage_durations", "time_to_outcome", "capacity") for ext in ("png", "svg")
)
"""The files `plot_run` writes (``capacity`` only for a run with resources)."""


def plot_run(kpis: Mapping[str, Any], folder: Path) -> list[Path]:
    """Write ``funnel``, ``stage_durations`` and ``time_to_outcome`` as PNG and SVG into ``folder``,
    and ``capacity`` (`plot_capacity`) for a run with resources.

    Raises:
        InvalidInput: `kpis` is not a run's KPIs, or `folder` is not a path.
    """
    check_kpis(kpis, "plot_run", "kpis")
    where = arguments.folder("plot_run", "folder", folder)
    paths: list[Path] = []
    with _matplotlib():
        paths += _save(funnel_figure(kpis), where, "funnel")
        paths += _save(stage_durations_figure(kpis), where, "stage_durations")
        paths += _save(time_to_outcome_figure(kpis), where, "time_to_outcome")
        if isinstance(kpis.get("resources"), Mapping):  # a run with resources: its waits, use and queues
            from ._capacity_plots import capacity_figure  # noqa: PLC0415

            paths += _save(capacity_figure(kpis), where, "capacity")
    return paths


def plot_comparison(a: Mapping[str, Any], b: Mapping[str, Any], folder: Path) -> list[Path]:
    """Write ``comparison`` (A against B) as PNG and SVG into ``folder``.

    Raises:
        InvalidInput: `a` or `b` is not a run's KPIs, or `folder` is not a path.
    """
    check_kpis(a, "KPIs A", "a")
    check_kpis(b, "KPIs B", "b")
    where = arguments.folder("plot_comparison", "folder", folder)
    with _matplotlib():
        return _save(comparison_figure(a, b), where, "comparison")


def sweep_figure(sweep: Sweep) -> Figure:
    """Each outcome's share, and the median days to meeting and to outcome, against the varied key (95 % intervals)."""
    fig = _new_figure(9.0, 3.8)
    shares, times = fig.subplots(1, 2)
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in sweep.values)
    xs = [float(v) for v in sweep.values] if numeric else list(range(len(sweep.values)))

    def line(ax: Axes, metric: str, label: str, colour: str, scale: float) -> None:
        rows = [row[metric] for row in sweep.table]
        points = [(x, e) for x, e in zip(xs, rows, strict=True) if e.mean is not None]
        if not points:
            return
        ys = [e.mean * scale for _, e in points]  # type: ignore[operator]
        below = [(e.mean - e.low) * scale if e.low is not None else 0.0 for _, e in points]  # type: ignore[operator]
        above = [(e.high - e.mean) * scale if e.high is not None else 0.0 for _, e in points]  # type: ignore[operator]
        ax.errorbar([x for x, _ in points], ys, yerr=[below, above], label=label, color=colour, marker="o", capsize=3)

    for name in OUTCOMES:
        line(shares, f"share_{name}", _label(name), _OUTCOME_COLOURS[name], 100.0)
    line(times, "days_to_meeting_median", "receipt to meeting", _BLUE, 1.0)
    line(times, "days_to_outcome_median", "receipt to outcome", _SCENARIO_COLOURS[1], 1.0)
    for ax in (shares, times):
        ax.set_xlabel(sweep.key)
        if not numeric or len(xs) <= 8:  # a tick at each value tried
            ax.set_xticks(xs, [f"{v:g}" if numeric else str(v) for v in sweep.values])
        ax.legend(fontsize=8, frameon=False, loc="best")
    _percent_axis(shares, "y")
    shares.set_title("Outcome shares")
    times.set_title("Median days")
    fig.suptitle(f"{sweep.scenario.name}: {len(sweep.seeds)} replications per value, 95 % intervals")
    return fig


def plot_sweep(sweep: Sweep, folder: Path) -> list[Path]:
    """Write ``sweep`` (each KPI against the varied key) as PNG and SVG into ``folder``.

    Raises:
        InvalidInput: `folder` is not a path.
    """
    from ._sweep import Sweep  # noqa: PLC0415 - the plots module is imported by the sweep's

    arguments.instance("plot_sweep", "sweep", sweep, Sweep, "a Sweep")
    where = arguments.folder("plot_sweep", "folder", folder)
    with _matplotlib():
        return _save(sweep_figure(sweep), where, "sweep")
