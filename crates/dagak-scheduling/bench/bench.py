"""On-demand benchmark of dagak's meeting scheduler, side by side with greedy-by-weight and HiGHS.

Usage (from the repository root):

    python3 crates/dagak-scheduling/bench/bench.py [--time-limit S] [--highs-seconds S] [--quick]

It creates a virtual environment in `bench-out/venv` with `highspy` and `numpy` from PyPI, builds
the engine's benchmark binary in release mode, generates instances with `gen.py` (a copy of the
project's oracle generator), and prints one row per instance (`SCHEDULE_BENCH_BINARY=path` uses an
already built benchmark binary instead of building one):

- the oracle instances in `tests/data`, whose optimum HiGHS proved (`optimal.csv`);
- generated instances of other shapes, up to 100,000 requests, 5,000 participants and 40 slots,
  from gen.py and from `other_shape` below (uniform pairs, many slots, fractional weights).

Columns: the engine's total as a ratio of the proven optimum (or, where none is known, of the
engine's own bound), its certificate (total / bound), time and peak memory; greedy-by-weight's
ratio; and HiGHS's result and time where it finishes within `--highs-seconds`.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import venv

HERE = os.path.dirname(os.path.abspath(__file__))
CRATE = os.path.dirname(HERE)
ROOT = os.path.dirname(os.path.dirname(CRATE))
OUT = os.path.join(ROOT, "bench-out", "scheduling")
DATA = os.path.join(CRATE, "tests", "data")

# Generated shapes: the oracle's own brokerage-large (12,000 requests), a large mission, a mission
# with tight meeting budgets, a dense brokerage, and the 100,000-request scale target.
GENERATED = {
    "brokerage-large": dict(seed=4, n_del=500, cities=["Hannover"], days_per_city=2, slots_per_day=20,
                            tables=200, n_partners=800, n_requests=12000, brokerage_pairs=0.2, max_meet=15),
    "mission-large": dict(seed=6, n_del=60, cities=["Irvine", "San Jose", "Seattle", "Redmond", "Vancouver"],
                          days_per_city=2, slots_per_day=12, tables=30, n_partners=600, n_requests=4000),
    "mission-tight": dict(seed=7, n_del=12, cities=["Seoul", "Busan"], days_per_city=1, slots_per_day=10,
                          tables=5, n_partners=60, n_requests=400, max_meet=6),
    "brokerage-dense": dict(seed=8, n_del=80, cities=["Lyon"], days_per_city=1, slots_per_day=16, tables=40,
                            n_partners=120, n_requests=3000, brokerage_pairs=0.4, max_meet=10),
    "brokerage-100k": dict(seed=5, n_del=2000, cities=["Hannover"], days_per_city=2, slots_per_day=20,
                           tables=1200, n_partners=3000, n_requests=100000, brokerage_pairs=0.2, max_meet=20),
}
QUICK = ["mission-tight", "brokerage-dense"]


def other_shape(seed, n_slots, n_participants, n_requests, availability, tables=None, max_meetings=None,
                fractional=False):
    """Shapes gen.py does not make: every participant available in a random subset of slots, pairs
    drawn uniformly, optional table and budget limits, optional non-integer weights."""
    import random
    rng = random.Random(seed)
    slots = [{"id": f"s{i}"} for i in range(n_slots)]
    for slot in slots:
        if tables:
            slot["tables"] = rng.randint(*tables)
    participants = []
    for p in range(n_participants):
        entry = {"id": f"p{p}", "available": [f"s{i}" for i in range(n_slots) if rng.random() < availability]}
        if max_meetings:
            entry["max_meetings"] = rng.randint(*max_meetings)
        participants.append(entry)
    requests, seen = [], set()
    while len(requests) < n_requests:
        a, b = rng.randrange(n_participants), rng.randrange(n_participants)
        if a == b or (min(a, b), max(a, b)) in seen:
            continue
        seen.add((min(a, b), max(a, b)))
        weight = round(rng.uniform(0.5, 9.5), 3) if fractional else rng.randint(1, 10)
        requests.append({"id": f"r{len(requests)}", "a": f"p{a}", "b": f"p{b}", "weight": weight})
    return {"slots": slots, "participants": participants, "requests": requests}


OTHER_SHAPES = {
    "dense-no-limits": dict(seed=12, n_slots=10, n_participants=100, n_requests=1200, availability=0.5),
    "many-slots-budgets": dict(seed=13, n_slots=200, n_participants=60, n_requests=1500, availability=0.3,
                               max_meetings=(1, 8)),
    "fractional-tables": dict(seed=14, n_slots=12, n_participants=80, n_requests=1200, availability=0.6,
                              tables=(1, 6), fractional=True),
}


def ensure_venv():
    """A virtual environment with highspy and numpy; returns its python."""
    path = os.path.join(ROOT, "bench-out", "venv")
    python = os.path.join(path, "bin", "python")
    if not os.path.exists(python):
        venv.create(path, with_pip=True)
    probe = subprocess.run([python, "-c", "import highspy, numpy"], capture_output=True)
    if probe.returncode != 0:
        subprocess.run([python, "-m", "pip", "install", "-q", "highspy", "numpy"], check=True)
    return python


def build_engine():
    prebuilt = os.environ.get("SCHEDULE_BENCH_BINARY")
    if prebuilt:
        return prebuilt
    subprocess.run(["cargo", "build", "--release", "-p", "dagak-scheduling", "--example", "schedule_bench"],
                   cwd=ROOT, check=True)
    return os.path.join(ROOT, "target", "release", "examples", "schedule_bench")


def generate(python, name, spec):
    path = os.path.join(OUT, f"{name}.json")
    if not os.path.exists(path):
        code = ("import json, sys; sys.path.insert(0, sys.argv[1]); from gen import make; "
                "json.dump(make(**json.loads(sys.argv[2])), open(sys.argv[3], 'w'))")
        subprocess.run([python, "-c", code, HERE, json.dumps(spec), path], check=True)
    return path


def run_engine(binary, path, time_limit):
    result = subprocess.run([binary, "--time-limit", str(time_limit), path], capture_output=True, text=True,
                            check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_highs(python, path, seconds):
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); from solve import solve; "
            "print(json.dumps(solve(json.load(open(sys.argv[2])), float(sys.argv[3]))))")
    try:
        result = subprocess.run([python, "-c", code, HERE, path, str(seconds)], capture_output=True, text=True,
                                timeout=seconds * 3 + 120)
        return json.loads(result.stdout.strip().splitlines()[-1])
    except (subprocess.TimeoutExpired, IndexError, json.JSONDecodeError):
        return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--time-limit", type=float, default=8.0, help="engine time limit per instance (s)")
    parser.add_argument("--highs-seconds", type=float, default=60.0, help="HiGHS time limit per instance (s)")
    parser.add_argument("--highs-max-requests", type=int, default=20000, help="skip HiGHS above this size")
    parser.add_argument("--quick", action="store_true", help="only the oracle and two small generated instances")
    parser.add_argument("--only", default="", help="comma-separated instance names to run (default: all)")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    python = ensure_venv()
    binary = build_engine()
    optima = {row["name"]: float(row["optimum"]) for row in csv.DictReader(open(os.path.join(DATA, "optimal.csv")))}
    cases = [(name, os.path.join(DATA, f"{name}.json"), optima[name]) for name in optima]
    for name, spec in GENERATED.items():
        if args.quick and name not in QUICK:
            continue
        cases.append((name, generate(python, name, spec), None))
    for name, spec in OTHER_SHAPES.items():
        path = os.path.join(OUT, f"{name}.json")
        if not os.path.exists(path):
            with open(path, "w") as out:
                json.dump(other_shape(**spec), out)
        cases.append((name, path, None))
    if args.only:
        wanted = set(args.only.split(","))
        cases = [case for case in cases if case[0] in wanted]
    header = (f"{'instance':18} {'requests':>8} {'optimum':>9} {'total':>9} {'ratio':>7} {'bound':>10} "
              f"{'cert':>7} {'secs':>6} {'cpu':>6} {'MB':>6} {'greedy':>7} {'highs':>24}")
    print(header)
    print("-" * len(header))
    for name, path, optimum in cases:
        engine = run_engine(binary, path, args.time_limit)
        highs = None
        if optimum is None and engine["requests"] <= args.highs_max_requests:
            highs = run_highs(python, path, args.highs_seconds)
            if highs and highs.get("status") == "Optimal":
                optimum = highs["objective"]
        reference = optimum if optimum is not None else engine["bound"]
        ratio = engine["total"] / reference
        greedy_ratio = engine["greedy"] / reference
        if name in optima:
            highs_text = "proven (optimal.csv)"
        elif engine["requests"] > args.highs_max_requests:
            highs_text = "not run (too large)"
        elif highs is None:
            highs_text = "no result in time"
        else:
            highs_text = f"{highs.get('objective', float('nan')):.0f} {highs['status'][:8]} {highs['seconds']}s"
        optimum_text = f"{optimum:.1f}" if optimum is not None else "-"
        print(f"{name:18} {engine['requests']:>8} {optimum_text:>9} "
              f"{engine['total']:>9.1f} {ratio:>7.2%} {engine['bound']:>10.1f} {engine['certificate']:>7.2%} "
              f"{engine['seconds']:>6.2f} {engine.get('cpu_seconds', 0.0):>6.2f} {engine['peak_rss_mb']:>6.0f} {greedy_ratio:>7.2%} {highs_text:>24}",
              flush=True)
    print("ratio: engine total / proven optimum (HiGHS), or / engine bound where no optimum is known;")
    print("cert: total / engine bound; secs: wall time; cpu: processor time; MB: peak resident memory.")


if __name__ == "__main__":
    sys.exit(main())
