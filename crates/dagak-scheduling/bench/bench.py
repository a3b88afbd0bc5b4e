"""On-demand benchmark of dagak's meeting scheduler, side by side with greedy-by-weight and HiGHS.

Usage (from the repository root):

    python3 crates/dagak-scheduling/bench/bench.py [--time-limit S] [--seeds N] [--quick] [--only a,b]

It creates a virtual environment in `bench-out/venv` with `highspy` and `numpy` from PyPI, builds
the engine's benchmark binary in release mode (`SCHEDULE_BENCH_BINARY=path` uses an already built
one), generates instances with `gen.py` (a byte-identical copy of the project's oracle generator,
called with other parameters, never edited) and prints one row per instance and a summary per shape:

- every shape of `GENERATED` below with `--seeds` seeds each (default 5: the shape's seed and the
  next four): the oracle shapes of `make_instances.py` (mission-article, mission-medium,
  brokerage-medium, brokerage-large; their first seed gives the oracle instance itself, whose
  integer optimum `optimal.csv` lists), the issue-16 brokerage events (3,500 and 11,500 requests),
  more mission and brokerage shapes, and one seed of the 100,000-request case;
- `other_shape` instances (uniform pairs, many slots, fractional weights), one seed each.

For every instance it runs the engine with default options and HiGHS on the LP relaxation
(`lp.py`, interior point, one thread) and reports: total / LP optimum, bound / LP optimum, the
certificate (total / bound), whether the bound converged, wall and processor seconds, peak memory,
greedy-by-weight / LP optimum and HiGHS's LP seconds. Above `--highs-max-requests` (default 20,000)
HiGHS is not run and the ratios use the engine's own bound. The machine's load average is printed
at the start and the end.
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

# Generated shapes (gen.py's parameters). `seeds` says how many seeds: the given one and the next ones.
GENERATED = {
    "mission-article": dict(seed=1, n_del=6, cities=["Irvine", "San Jose", "Seattle", "Redmond"], days_per_city=1,
                            slots_per_day=10, tables=6, n_partners=40, n_requests=150),
    "mission-medium": dict(seed=2, n_del=20, cities=["Irvine", "San Jose", "Seattle", "Redmond", "Vancouver"],
                           days_per_city=2, slots_per_day=12, tables=12, n_partners=200, n_requests=800),
    "brokerage-medium": dict(seed=3, n_del=150, cities=["Dusseldorf"], days_per_city=2, slots_per_day=16,
                             tables=60, n_partners=250, n_requests=3000, brokerage_pairs=0.2, max_meet=12),
    # Issue 16: a two-day brokerage event of 3,500 requests.
    "brokerage-3500": dict(seed=21, n_del=180, cities=["Dusseldorf"], days_per_city=2, slots_per_day=16,
                           tables=50, n_partners=300, n_requests=3500, brokerage_pairs=0.25, max_meet=10),
    # Issue 16: 11,500 requests, 450 delegates, 900 partners, 36 slots, 170 tables, max 14.
    "brokerage-11k": dict(seed=31, n_del=450, cities=["Hannover"], days_per_city=2, slots_per_day=18,
                          tables=170, n_partners=900, n_requests=11500, brokerage_pairs=0.2, max_meet=14),
    "brokerage-large": dict(seed=4, n_del=500, cities=["Hannover"], days_per_city=2, slots_per_day=20,
                            tables=200, n_partners=800, n_requests=12000, brokerage_pairs=0.2, max_meet=15),
    "mission-large": dict(seed=6, n_del=60, cities=["Irvine", "San Jose", "Seattle", "Redmond", "Vancouver"],
                          days_per_city=2, slots_per_day=12, tables=30, n_partners=600, n_requests=4000),
    "mission-tight": dict(seed=7, n_del=12, cities=["Seoul", "Busan"], days_per_city=1, slots_per_day=10,
                          tables=5, n_partners=60, n_requests=400, max_meet=6),
    "brokerage-dense": dict(seed=8, n_del=80, cities=["Lyon"], days_per_city=1, slots_per_day=16, tables=40,
                            n_partners=120, n_requests=3000, brokerage_pairs=0.4, max_meet=10),
    # The scale target: 100,000 requests, 5,000 participants, 40 slots (one seed: HiGHS is not run).
    "brokerage-100k": dict(seed=5, n_del=2000, cities=["Hannover"], days_per_city=2, slots_per_day=20,
                           tables=1200, n_partners=3000, n_requests=100000, brokerage_pairs=0.2, max_meet=20,
                           seeds=1),
}
QUICK = ["mission-tight", "brokerage-3500"]


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


def run_lp(python, path, seconds):
    """HiGHS on the LP relaxation (`lp.py`), or None when it fails or runs out of time."""
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); from lp import lp_relaxation; "
            "print(json.dumps(lp_relaxation(json.load(open(sys.argv[2])), float(sys.argv[3]))))")
    try:
        result = subprocess.run([python, "-c", code, HERE, path, str(seconds)], capture_output=True, text=True,
                                timeout=seconds * 2 + 120)
        answer = json.loads(result.stdout.strip().splitlines()[-1])
        return answer if answer.get("status") == "Optimal" else None
    except (subprocess.TimeoutExpired, IndexError, json.JSONDecodeError):
        return None


def load_average():
    try:
        return open("/proc/loadavg").read().split()[:3]
    except OSError:
        return ["?", "?", "?"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--time-limit", type=float, default=8.0, help="engine time limit per instance (s), "
                        "the CLI's default")
    parser.add_argument("--highs-seconds", type=float, default=600.0, help="HiGHS LP time limit per instance (s)")
    parser.add_argument("--highs-max-requests", type=int, default=20000, help="skip HiGHS above this size")
    parser.add_argument("--seeds", type=int, default=5, help="seeds per generated shape")
    parser.add_argument("--quick", action="store_true", help="only the oracle and two generated shapes")
    parser.add_argument("--only", default="", help="comma-separated shape names to run (default: all)")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    python = ensure_venv()
    binary = build_engine()
    print("load average at start:", " ".join(load_average()), flush=True)
    cases = []
    for name, spec in GENERATED.items():
        if args.quick and name not in QUICK:
            continue
        spec = dict(spec)
        n_seeds = min(spec.pop("seeds", args.seeds), args.seeds)
        for offset in range(n_seeds):
            seeded = dict(spec, seed=spec["seed"] + offset)
            cases.append((name, f"{name}-{seeded['seed']}", generate(python, f"{name}-{seeded['seed']}", seeded)))
    if not args.quick:
        for name, spec in OTHER_SHAPES.items():
            path = os.path.join(OUT, f"{name}.json")
            if not os.path.exists(path):
                with open(path, "w") as out:
                    json.dump(other_shape(**spec), out)
            cases.append((name, name, path))
    if args.only:
        wanted = set(args.only.split(","))
        cases = [case for case in cases if case[0] in wanted]
    header = (f"{'instance':22} {'requests':>8} {'LP opt':>9} {'total':>8} {'tot/LP':>7} {'bound':>9} "
              f"{'bnd/LP':>7} {'cert':>7} {'conv':>4} {'secs':>6} {'cpu':>6} {'MB':>5} {'greedy':>7} {'HiGHS LP s':>10}")
    print(header)
    print("-" * len(header))
    rows = []
    for shape, name, path in cases:
        engine = run_engine(binary, path, args.time_limit)
        lp = None
        if engine["requests"] <= args.highs_max_requests:
            lp = run_lp(python, path, args.highs_seconds)
        reference = lp["objective"] if lp else engine["bound"]
        row = dict(shape=shape, total=engine["total"] / reference, bound=engine["bound"] / reference,
                   cert=engine["certificate"], seconds=engine["seconds"], mb=engine["peak_rss_mb"],
                   has_lp=lp is not None, converged=engine.get("bound_converged", False))
        rows.append(row)
        lp_text = f"{lp['objective']:.1f}" if lp else "-"
        lp_seconds = f"{lp['seconds']:.2f}" if lp else ("too large" if engine["requests"] > args.highs_max_requests
                                                        else "no result")
        print(f"{name:22} {engine['requests']:>8} {lp_text:>9} {engine['total']:>8.0f} {row['total']:>7.2%} "
              f"{engine['bound']:>9.1f} {row['bound']:>7.3f} {engine['certificate']:>7.2%} "
              f"{'yes' if row['converged'] else 'NO':>4} {engine['seconds']:>6.2f} {engine.get('cpu_seconds', 0.0):>6.2f} "
              f"{engine['peak_rss_mb']:>5.0f} {engine['greedy'] / reference:>7.2%} {lp_seconds:>10}", flush=True)
    print()
    print(f"{'shape':22} {'n':>2} {'tot/LP min':>10} {'mean':>7} {'bnd/LP max':>10} {'cert min':>8} "
          f"{'secs max':>8} {'MB max':>6}")
    for shape in dict.fromkeys(row["shape"] for row in rows):
        group = [row for row in rows if row["shape"] == shape]
        mark = "" if all(row["has_lp"] for row in group) else "  (no LP optimum: ratios to the engine's bound)"
        print(f"{shape:22} {len(group):>2} {min(r['total'] for r in group):>10.2%} "
              f"{sum(r['total'] for r in group) / len(group):>7.2%} {max(r['bound'] for r in group):>10.4f} "
              f"{min(r['cert'] for r in group):>8.2%} {max(r['seconds'] for r in group):>8.2f} "
              f"{max(r['mb'] for r in group):>6.0f}{mark}")
    print()
    print("tot/LP: engine total / LP optimum (HiGHS); bnd/LP: engine bound / LP optimum; cert: total / bound;")
    print("conv: the engine says its bound converged (within 0.1 % of a proven LP lower bound); secs: wall;")
    print("cpu: processor seconds; MB: peak resident memory; greedy: greedy-by-weight / LP optimum.")
    print("load average at end:", " ".join(load_average()))


if __name__ == "__main__":
    sys.exit(main())
