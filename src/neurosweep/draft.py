"""`neurosweep draft <figure>`: draw a figure from the sweep points that have finished so far.

Nothing trains and nothing of the workflow's outputs is touched: the draft goes to
``results/<study>/drafts/<figure>.{pdf,png,json}``, marked on the figure ("draft: k of n
points") and in its card, so a user can look at a sweep while it runs.
"""

from __future__ import annotations

import os
from pathlib import Path


class DraftError(Exception):
    """A draft cannot be drawn (no finished point yet, a missing input file, ...)."""


def finished_runs(plan, study: str, sweep: str, root: Path):
    """The runs of a sweep whose result files exist (done or stale alike), in sweep order."""
    from .aggregate import load_run

    runs, used = [], []
    for point in plan.sweep(study, sweep).points:
        run = root / plan.run_dir(study, sweep, point.path)
        if (run / "result.npz").exists() and (run / "record.json").exists():
            runs.append(load_run(run / "result.npz", run / "record.json", point.values))
            used.append(point)
    return runs, used


def mark(figure, text: str) -> None:
    """Write ``text`` across the top of a figure, in red, and a faint DRAFT watermark."""
    figure.text(0.5, 1.0, text, ha="center", va="bottom", color="#C00000", fontsize=12,
                fontweight="bold", transform=figure.transFigure)
    figure.text(0.5, 0.5, "DRAFT", ha="center", va="center", color="#C00000", alpha=0.12,
                fontsize=72, fontweight="bold", rotation=30, transform=figure.transFigure)


def draw_draft(plan, study: str, figure: str, root: str | os.PathLike = ".") -> dict:
    """Draw the draft; returns {"pdf", "png", "card", "points", "of"}."""
    from .figures import save_figure, style
    from .io import write_json
    from .provenance import figure_card
    from .study import resolve

    root = Path(root)
    spec = plan.figure(study, figure)
    total = len(plan.sweep(study, spec.sweep).points)
    runs, used = finished_runs(plan, study, spec.sweep, root)
    if not runs:
        raise DraftError(f"no point of sweep {study}/{spec.sweep} has finished yet (0 of {total}); "
                         "`neurosweep status` shows what is running")
    extra = {}
    for name, path in spec.inputs.items():
        if not (root / path).exists():
            raise DraftError(f"figure {study}/{figure} also reads {path}, which does not exist yet: "
                             f"make it with `snakemake {path}`")
        extra[name] = str(root / path)
    try:
        data = resolve(study, spec.data)(runs, **extra)
    except Exception as error:  # a figure may need more points than have finished
        raise DraftError(f"figure {study}/{figure} cannot be computed from {len(runs)} of {total} "
                         f"points yet: {type(error).__name__}: {error}") from error
    out = root / "results" / study / "drafts"
    paths = {ext: out / f"{figure}.{ext}" for ext in ("pdf", "png", "json")}
    label = f"draft: {len(runs)} of {total} points"
    with style():
        drawn = resolve(study, spec.draw).draw(data)
        mark(drawn, label)
        save_figure(drawn, paths["pdf"], paths["png"])
    card_plan = plan.card_params(study, figure)
    card_plan = {**card_plan, "points": [p for p in card_plan["points"]
                                         if p["path"] in {u.path for u in used}]}
    script = Path(__file__).resolve()
    card = figure_card(card_plan, claims_path=None, code=card_plan["code"],
                       script=os.path.relpath(script), root=root,
                       draft={"points": len(runs), "of": total, "label": label})
    write_json(paths["json"], card)
    return {**{k: str(v) for k, v in paths.items()}, "points": len(runs), "of": total}
