"""`python -m bench [--smoke|--medium] [--database-url URL] [--workers N] [--apis N]` — see bench/__init__.py and
README (Benchmarks)."""

import argparse
import asyncio
import json
import os
import platform
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench import measures
from bench.harness import Harness

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Size:
    name: str
    starts: int
    signoff_cases: int
    clients: tuple[int, ...]
    seconds: float
    profile_seconds: int
    growth: tuple[int, ...]  # case counts at which lists and inboxes are timed; the last ones padded
    real_cases: int  # open cases created through the workflows before the scale figures
    requests: int
    batch: int  # mines in one batch start


FULL = Size("full", starts=60, signoff_cases=40, clients=(1, 8, 32), seconds=25, profile_seconds=10,
            growth=(1_000, 10_000, 50_000), real_cases=10_000, requests=200, batch=500)
MEDIUM = Size("medium", starts=30, signoff_cases=25, clients=(1, 8, 32), seconds=15, profile_seconds=8,
              growth=(300, 1_000, 5_000), real_cases=1_000, requests=60, batch=500)
SMOKE = Size("smoke", starts=4, signoff_cases=2, clients=(1, 2), seconds=3, profile_seconds=0,
             growth=(30, 60, 150), real_cases=60, requests=5, batch=5)


async def run(size: Size, database_url: str | None, workers: int = 1, apis: int = 1) -> dict[str, Any]:
    h = Harness(database_url, workers=workers, apis=apis)
    max_clients = max(size.clients)
    await h.start(extra_mines=size.starts + size.signoff_cases + max_clients + size.batch + size.real_cases)
    today = str(datetime.now(ZoneInfo("Asia/Shanghai")).date())
    mines = iter(h.mines)
    take = lambda n: [next(mines) for _ in range(n)]  # noqa: E731
    results: dict[str, Any] = {"size": size.name, "database": "postgresql" if database_url else "sqlite",
                               "processes": {"workers": workers, "apis": apis},
                               "machine": {"cpus": os.cpu_count(), "python": platform.python_version()}}
    breakdown: dict[str, Any] = {}
    results["breakdown"] = breakdown
    try:
        print("· start overhead …", flush=True)
        mark = await measures.breakdown_mark(h)
        results["start_overhead"] = await measures.start_overhead(h, take(size.starts))
        breakdown["start"] = await measures.breakdown_since(h, mark)
        print("· sign-off round trip …", flush=True)
        signoff_mines = take(size.signoff_cases)
        mark = await measures.breakdown_mark(h)
        results["sign_off"] = await measures.sign_off_round_trip(h, signoff_mines)
        breakdown["sign_off"] = await measures.breakdown_since(h, mark)
        print("· throughput (mineflow, then the raw floor) …", flush=True)
        throughput_mines = take(max_clients)
        results["throughput"] = []
        for n in size.clients:
            mark = await measures.breakdown_mark(h)
            results["throughput"].append(await measures.throughput(
                h, n, size.seconds, today, throughput_mines, size.profile_seconds if n == max_clients else 0))
            if n == max_clients:
                breakdown[f"throughput_{n}"] = await measures.breakdown_since(h, mark)
            if n > 1:
                measures.compare_throughput(results["throughput"][-1],
                                            await measures.raw_throughput(h, n, size.seconds))
        batch_mines = take(size.batch)
        print("· scale and growth (seeding open cases through the workflows) …", flush=True)
        scale_mines = take(size.real_cases)
        growth: list[dict[str, Any]] = []
        seeded, seed_seconds = 0, 0.0
        for point in size.growth:
            real_target = min(point, size.real_cases)
            have = await measures.count_cases(h)
            if have < real_target:
                batch = scale_mines[seeded:seeded + real_target - have]
                mark = await measures.breakdown_mark(h) if "seeding" not in breakdown else None
                seed_seconds += await measures.seed_open_cases(h, batch)
                if mark is not None:
                    breakdown["seeding"] = await measures.breakdown_since(h, mark)
                seeded += len(batch)
            padded = await measures.pad_projection(h, point)
            reads = await measures.read_timings(h, size.requests)
            growth.append({"cases": await measures.count_cases(h), "padded": padded, "reads": reads,
                           "worker_rss_mb": round(h.rss_mb("worker"), 1)})
            if point == size.real_cases or (point == size.growth[-1] and point <= size.real_cases):
                results["scale"] = {"open_cases_through_workflows": seeded, "seeding_seconds": round(seed_seconds, 1),
                                    "seeded_per_s": round(seeded / seed_seconds, 1) if seed_seconds else None,
                                    "reads": reads, "worker_rss_mb": round(h.rss_mb("worker"), 1),
                                    "render_processes_rss_mb": round(h.rss_mb("worker", children=True), 1),
                                    "goal": "list p99 ≤ 50 ms, worker RSS ≤ 300 MB, seeding ≥ 50 cases/s"}
        results["growth"] = growth
        # last: its cases would count among the open cases the scale figures seed and measure
        print(f"· batch start of {size.batch} rectifications …", flush=True)
        mark = await measures.breakdown_mark(h)
        results["batch_start"] = await measures.batch_start(h, batch_mines)
        breakdown["batch_start"] = await measures.breakdown_since(h, mark)
    finally:
        await h.stop()
    return results


def table(r: dict[str, Any]) -> str:
    p = r["processes"]
    lines = [f"mineflow bench ({r['size']}, {r['database']}, {p['workers']} worker / {p['apis']} API processes, "
             f"{r['machine']['cpus']} CPUs)", ""]
    s, o = r["start_overhead"], r["sign_off"]
    lines.append(f"{'start overhead':32} API p50 {s['api']['p50_ms']:7.1f} ms  raw p50 {s['raw']['p50_ms']:7.1f} ms"
                 f"  ratio {s['ratio_p50']:.2f}×  (goal {s['goal']})")
    lines.append(f"{'sign-off round trip':32} API p50 {o['api']['p50_ms']:7.1f} / p99 {o['api']['p99_ms']:7.1f} ms"
                 f"  raw p50 {o['raw']['p50_ms']:7.1f} / p99 {o['raw']['p99_ms']:7.1f} ms"
                 f"  p99 ratio {o['ratio_p99']:.2f}×  (goal {o['goal']})")
    for t in r["throughput"]:
        raw = f"  raw {t['raw']['actions_per_s']} actions/s  ratio {t['ratio']:.2f}×" if "raw" in t else ""
        lines.append(f"{'throughput, ' + str(t['clients']) + ' clients':32} {t['cases_per_s']:6.2f} cases/s "
                     f"({t['actions_per_s']} actions/s){raw}  busiest: {t['busiest']}  CPU {t['cpu_percent']}")
        lines.append(f"{'':34}CPU ms per action: {t['cpu_ms_per_action']}"
                     + (f"; raw: {t['raw']['cpu_ms_per_action']}" if "raw" in t else ""))
        for name, frames in t.get("profile", {}).items():
            lines.append(f"{'':34}{name} hottest: " + "; ".join(frames[:4]))
        for name, shares in t.get("profile_areas", {}).items():
            lines.append(f"{'':34}{name} samples by area (%): " + ", ".join(f"{a} {v}" for a, v in shares.items()))
    if "batch_start" in r:
        b = r["batch_start"]
        lines.append(f"{'batch start':32} {b['started']} of {b['mines']} mines in {b['seconds']} s  (goal {b['goal']})")
    if "scale" in r:
        sc = r["scale"]
        lines.append(f"{'scale':32} {sc['open_cases_through_workflows']} open cases via workflows "
                     f"({sc['seeded_per_s']}/s), worker RSS {sc['worker_rss_mb']} MB (its render processes "
                     f"{sc.get('render_processes_rss_mb', '—')} MB)  (goal {sc['goal']})")
    lines.append("")
    names = list(r["growth"][0]["reads"])
    lines.append(f"{'growth: p99 ms':32}" + "".join(f"{g['cases']:>10}" for g in r["growth"]))
    for name in names:
        lines.append(f"  {name:30}" + "".join(f"{g['reads'][name]['p99_ms']:>10.1f}" for g in r["growth"]))
    lines.append(f"  {'(rows padded into the read model)':30}" + "".join(f"{g['padded']:>10}" for g in r["growth"]))
    lines += breakdown_lines(r.get("breakdown", {}))
    return "\n".join(lines)


def breakdown_lines(breakdown: dict[str, Any]) -> list[str]:
    """Each measured section's actions, phase by phase (mean ms), then the workers' SDK times."""
    lines = ["", "breakdown: mean ms per phase (n)"]
    for section, found in breakdown.items():
        lines.append(f"  {section}")
        for action, phases in sorted(found["phases"].items()):
            if action.startswith("GET ") or action == "-":
                continue
            parts = "  ".join(f"{name} {v['mean_ms']:.1f}" for name, v in phases.items() if name != "request")
            total = phases.get("request", phases.get("activity", {"mean_ms": 0.0, "n": 0}))
            lines.append(f"    {action[:52]:52} {total['mean_ms']:7.1f} ({total['n']})  {parts}")
        for name, v in sorted(found["worker_sdk"].items()):
            lines.append(f"    {'worker sdk: ' + name[:60]:64} {v['mean_ms']:7.1f} ({v['n']})")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description="mineflow benchmarks")
    parser.add_argument("--smoke", action="store_true", help="a tiny run that only checks the bench works")
    parser.add_argument("--medium", action="store_true", help="a shorter run (1,000 real cases) for before/after")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: a fresh SQLite file)")
    parser.add_argument("--out", type=Path, default=None, help="where to write the JSON results")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--apis", type=int, default=1, help="API processes, sent requests in turn (default 1)")
    args = parser.parse_args()
    size = SMOKE if args.smoke else MEDIUM if args.medium else FULL
    results = asyncio.run(run(size, args.database_url, max(1, args.workers), max(1, args.apis)))
    stamp = datetime.now(ZoneInfo("Asia/Shanghai"))
    results["date"] = stamp.isoformat(timespec="seconds")
    parts = [str(stamp.date())] + ([] if size is FULL else [size.name]) + (
        ["postgresql"] if args.database_url else []) + (
        [f"{args.workers}workers-{args.apis}apis"] if (args.workers, args.apis) != (1, 1) else [])
    name = "-".join(parts) + ".json"
    default = ROOT / "test-artifacts" / "bench-smoke.json" if args.smoke else ROOT / "bench" / "results" / name
    out = args.out or default
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(table(results))
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
