"""The suite's table: one row per case."""

from tests.faults.experiment import Trial

COLUMNS = ("case", "events", "owed", "once", "twice", "dead", "lost", "mails", "dup",
           "recover s", "5xx", "consuming", "result")


def row(trial: Trial) -> tuple[str, ...]:
    c = trial.counted
    recovery = "—" if trial.recovery is None else f"{trial.recovery:.1f}"
    consuming = {True: "yes", False: "NO", None: "?"}[trial.consuming]
    return (trial.case, str(c.events), str(c.owed), str(c.once), str(c.twice),
            str(c.dead + len(c.dead_extra)),
            str(c.missing), f"{c.mails_sent}/{c.mails_owed}", str(c.mails_dup), recovery,
            str(trial.errors), consuming, "pass" if trial.passed else "FAIL")


def render(trials: list[Trial]) -> str:
    """A Markdown table (the README's is pasted from it), then each case's notes."""
    rows = [COLUMNS, *(row(t) for t in trials)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]

    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [line(rows[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in rows[1:]]
    for trial in trials:
        if trial.notes:
            out.append(f"- {trial.case}: " + "; ".join(trial.notes))
    return "\n".join(out)
