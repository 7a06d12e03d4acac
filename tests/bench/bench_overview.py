"""`make bench` (also alone: `.venv/bin/python -m tests.bench.bench_overview`): the quality
and the speed of the overview of many inputs (consult/statements/overview_cluster.py).

Quality: on the labelled set tests/fixtures/overview/inputs.csv (120 inputs, 4 items),
per item purity and adjusted Rand index of the groups against the labels a delegate
would make; an input in "overig" counts as a group of its own. Speed: the median of
several runs of one overview of 200 inputs (the 120 plus 80 edited copies), without
the cache and after one warm-up run (that imports scikit-learn; its time is printed too).
Prints figures; asserts nothing."""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from collections import Counter
from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "overview" / "inputs.csv"


def load(path: Path = FIXTURE) -> dict[str, list[dict]]:
    """The labelled inputs per item, each with an id."""
    items: dict[str, list[dict]] = {}
    with path.open(encoding="utf-8") as file:
        for number, row in enumerate(csv.DictReader(file), start=1):
            items.setdefault(row["item"], []).append({**row, "id": number})
    return items


def entries(rows: list[dict]):
    from consult.statements.overview_cluster import Entry

    return [Entry(id=row["id"], text=row["text"], kind=row["kind"], region=row["region"],
                  place=row["municipality"]) for row in rows]


def predicted(overview) -> dict[int, str]:
    """Per input id its predicted group; every input in "overig" alone."""
    found = {i: group.key for group in overview.groups for i in group.ids}
    found.update({i: f"overig-{i}" for i in overview.other})
    return found


def scores(rows: list[dict], overview) -> tuple[float, float]:
    """(purity, adjusted Rand index) of one item's overview against its labels."""
    from sklearn.metrics import adjusted_rand_score

    groups = predicted(overview)
    truth = [row["label"] for row in rows]
    guess = [groups[row["id"]] for row in rows]
    members: dict[str, Counter] = {}
    for label, group in zip(truth, guess, strict=True):
        members.setdefault(group, Counter())[label] += 1
    purity = sum(c.most_common(1)[0][1] for c in members.values()) / len(rows)
    return purity, adjusted_rand_score(truth, guess)


def quality(distance: float | None = None, duplicate: int | None = None) -> dict:
    """Per item and over all items (weighted by inputs): purity and ARI."""
    from consult.statements import overview_cluster as oc

    distance = oc.DISTANCE if distance is None else distance
    duplicate = oc.DUPLICATE if duplicate is None else duplicate
    result = {}
    for item, rows in load().items():
        overview = oc.build_overview(entries(rows), distance, duplicate)
        purity, ari = scores(rows, overview)
        result[item] = {"purity": purity, "ari": ari, "groups": len(overview.groups),
                        "overig": len(overview.other), "inputs": len(rows)}
    total = sum(r["inputs"] for r in result.values())
    result["all"] = {key: sum(r[key] * r["inputs"] for r in result.values()) / total
                     for key in ("purity", "ari")}
    return result


def two_hundred():
    """The 120 labelled inputs and 80 edited copies, as one item's 200 inputs."""
    from consult.statements.overview_cluster import Entry

    rows = [row for item in load().values() for row in item]
    made = entries(rows)
    for n, row in enumerate(rows[:80], start=1):
        made.append(Entry(id=1000 + n, text=f"Ook {row['municipality']} vindt: {row['text']}",
                          kind=row["kind"], region=row["region"], place=f"kopie-{n}"))
    return made


def speed(runs: int = 7) -> dict:
    """Milliseconds per overview of 200 inputs: the first run (imports scikit-learn), then
    the median with the word caches cleared before each run (a new item) and kept (a
    web worker that has seen these texts)."""
    from consult.statements.overview_cluster import build_overview
    from consult.statements.overview_text import content_words, stem

    inputs = two_hundred()

    def timed(clear: bool) -> float:
        if clear:
            stem.cache_clear()
            content_words.cache_clear()
        start = time.perf_counter()
        build_overview(inputs)
        return (time.perf_counter() - start) * 1000

    first = timed(True)
    cold = [timed(True) for _ in range(runs)]
    warm = [timed(False) for _ in range(runs)]
    return {"inputs": len(inputs), "first_ms": first, "runs": runs,
            "cold_ms": statistics.median(cold), "median_ms": statistics.median(warm),
            "max_ms": max(cold + warm)}


def report(runs: int = 7) -> str:
    lines = ["Overzicht van veel inbreng (tests/fixtures/overview, 120 inputs, 4 items)",
             "| item | inputs | groups | overig | purity | ARI |", "|---|---|---|---|---|---|"]
    result = quality()
    for item, r in result.items():
        if item != "all":
            lines.append(f"| {item} | {r['inputs']} | {r['groups']} | {r['overig']} | "
                         f"{r['purity']:.3f} | {r['ari']:.3f} |")
    lines.append(f"| all | 120 | | | {result['all']['purity']:.3f} | {result['all']['ari']:.3f} |")
    timing = speed(runs)
    lines.append(f"Speed, {timing['inputs']} inputs, median of {timing['runs']} runs: "
                 f"{timing['cold_ms']:.1f} ms with new words, {timing['median_ms']:.1f} ms with "
                 f"known words (max {timing['max_ms']:.1f} ms; first run with imports "
                 f"{timing['first_ms']:.0f} ms); budget 200 ms")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--sweep", action="store_true", help="try thresholds (tuning)")
    args = parser.parse_args()
    if args.sweep:
        for duplicate in (80, 85, 90):
            for distance in (0.8, 0.85, 0.88, 0.9, 0.92, 0.93, 0.95):
                r = quality(distance, duplicate)["all"]
                print(f"duplicate {duplicate} distance {distance}: purity {r['purity']:.3f} "
                      f"ARI {r['ari']:.3f}")
        return
    print(report(args.runs))


if __name__ == "__main__":
    main()
