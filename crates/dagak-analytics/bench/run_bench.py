#!/usr/bin/env python3
"""On-demand benchmark: dagak's trade analytics against the Python peers, on seeded synthetic data.

Run from anywhere (it is not part of the test suite):

    cargo build --release -p dagak-analytics-cli --example trade
    python3 crates/dagak-analytics/bench/run_bench.py            # all cases
    python3 crates/dagak-analytics/bench/run_bench.py --quick    # 1-year case only

What it does:
1. creates a virtual environment under target/bench-venv and pip-installs the peers from PyPI
   (py-ecomplexity 0.5.3 as `ecomplexity`, Datawheel's `economic-complexity`, `econcomplex`), then
   re-runs itself inside it;
2. generates seeded synthetic data of realistic shape under target/bench-data
   (DAGAK_BENCH_SEED, default 42): 230 locations x 5,000 HS6 products for 1 and 5 years (long
   format, zero cells omitted as in real data), and a BACI-shaped bilateral year (t,i,j,k,v,q,
   about 10 million rows);
3. runs each tool as its own process under /usr/bin/time -v, one run each, and reports the
   whole-process wall time and peak resident memory, as ratios to dagak, plus the largest
   difference between dagak's numbers (py-ecomplexity profile) and py-ecomplexity's.
"""
import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

SCRIPT = Path(__file__).resolve()
REPO = SCRIPT.parents[3]
TARGET = REPO / "target"
VENV = TARGET / "bench-venv"
DATA = TARGET / "bench-data"
OUT = TARGET / "bench-out"
# Datawheel's economic-complexity 0.3.0 writes into `DataFrame.values`, which pandas 3's
# copy-on-write makes read-only, so the peers run with pandas 2.
PEERS = ["pandas<3", "ecomplexity==0.5.3", "economic-complexity==0.3.0", "econcomplex==1.0.1"]
DAGAK = Path(os.environ.get("DAGAK_TRADE_BIN", TARGET / "release" / "examples" / "trade"))


def ensure_venv(skip_install):
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.check_call([sys.executable, "-m", "venv", str(VENV)])
    if not skip_install:
        for peer in PEERS:
            result = subprocess.run([str(python), "-m", "pip", "install", "-q", peer])
            if result.returncode != 0:
                print(f"warning: could not install {peer}; its runs are skipped", file=sys.stderr)
    return python


# ---------------------------------------------------------------- synthetic data (inside the venv)

def generate(seed, years, path):
    """230 x 5000 HS6 exports with a nested (capability x complexity) structure, heavy tails."""
    import numpy as np
    rng = np.random.default_rng(seed)
    n_locations, n_products = 230, 5000
    capability = rng.normal(size=n_locations)
    complexity = rng.normal(size=n_products)
    location_size = rng.lognormal(0.0, 2.0, n_locations)
    product_size = rng.lognormal(0.0, 1.5, n_products)
    locations = np.array([f"c{idx:03d}" for idx in range(n_locations)])
    products = np.array([f"{100000 + idx * 173 % 899999:06d}" for idx in range(n_products)])
    chunks = []
    for year_offset in range(years):
        drift = rng.normal(scale=0.1, size=n_locations)
        logits = 1.5 * (capability + drift)[:, None] - 1.2 * complexity[None, :] + 0.3
        present = rng.random((n_locations, n_products)) < 1.0 / (1.0 + np.exp(-logits))
        values = (location_size[:, None] * product_size[None, :]
                  * rng.lognormal(0.0, 1.5, (n_locations, n_products)) * 1000.0)
        values = np.round(values, 2)
        loc_idx, prod_idx = np.nonzero(present)
        chunks.append((2017 + year_offset, loc_idx, prod_idx, values[loc_idx, prod_idx]))
    with open(path, "w") as out:
        out.write("year,location,product,value\n")
        for year, loc_idx, prod_idx, vals in chunks:
            lines = [f"{year},{l},{p},{v}\n" for l, p, v in zip(locations[loc_idx], products[prod_idx], vals)]
            out.writelines(lines)


def generate_baci(seed, path, target_rows=12_800_000):
    """One BACI-shaped year: t,i,j,k,v,q with ~230 exporters, 238 markets, 5000 HS6 products.

    `target_rows` flows are drawn; duplicates are merged, leaving about 10 million rows."""
    import numpy as np
    import pandas as pd
    rng = np.random.default_rng(seed + 1)
    n_exporters, n_markets, n_products = 230, 238, 5000
    codes = np.sort(rng.choice(np.arange(4, 900), size=n_markets, replace=False))
    exporter_weight = rng.lognormal(0.0, 1.5, n_exporters)
    market_weight = rng.lognormal(0.0, 1.5, n_markets)
    market_weight /= market_weight.sum()
    product_weight = rng.lognormal(0.0, 1.0, n_products)
    pair_probability = np.clip(0.25 + 0.5 * (exporter_weight / exporter_weight.max())[:, None]
                               + 0.0 * product_weight[None, :], 0, 1)
    present = rng.random((n_exporters, n_products)) < pair_probability
    exporter_idx, product_idx = np.nonzero(present)
    mean_markets = target_rows / len(exporter_idx)
    n_destinations = np.clip(rng.poisson(mean_markets, len(exporter_idx)), 1, n_markets)
    rows_exporter = np.repeat(exporter_idx, n_destinations)
    rows_product = np.repeat(product_idx, n_destinations)
    rows_market = rng.choice(n_markets, size=len(rows_exporter), p=market_weight)
    key = (rows_exporter.astype(np.int64) * n_markets + rows_market) * n_products + rows_product
    key = np.unique(key)
    rows_product = key % n_products
    rows_market = (key // n_products) % n_markets
    rows_exporter = key // (n_products * n_markets)
    exporter_codes = codes[:n_exporters]
    value = np.round(rng.lognormal(2.0, 2.5, len(key)), 3)
    quantity = np.round(value * rng.lognormal(0.0, 1.0, len(key)), 3)
    products = np.array([100000 + idx * 173 % 899999 for idx in range(n_products)])
    frame = pd.DataFrame({
        "t": 2021, "i": exporter_codes[rows_exporter], "j": codes[rows_market],
        "k": products[rows_product], "v": value, "q": quantity,
    })
    frame.to_csv(path, index=False)
    return len(frame)


# ---------------------------------------------------------------- peer scripts

PY_ECOMPLEXITY = r'''
import sys, pandas as pd
from ecomplexity import ecomplexity
df = pd.read_csv(sys.argv[1], dtype={"location": str, "product": str})
cols = {"time": "year", "loc": "location", "prod": "product", "val": "value"}
out = ecomplexity(df, cols)
out.to_csv(sys.argv[2], index=False)
'''

DATAWHEEL = r'''
import sys, pandas as pd
import economic_complexity as ec
df = pd.read_csv(sys.argv[1], dtype={"location": str, "product": str})
for year, group in df.groupby("year"):
    tbl = group.pivot_table(index="location", columns="product", values="value", aggfunc="sum").fillna(0)
    rca = ec.rca(tbl)
    m = (rca >= 1).astype(float)
    eci, pci = ec.complexity(m)
    prox = ec.proximity(m)
    dens = ec.relatedness(m, proximities=prox)
eci.to_csv(sys.argv[2])
'''


ECONCOMPLEX = r'''
import sys, pandas as pd
import econcomplex as ec
df = pd.read_csv(sys.argv[1], dtype={"location": str, "product": str})
cols = {"loc": "location", "act": "product", "val": "value", "time": "year"}
out = ec.compute_complexity(df, cols, method="eigenvector")
out.to_csv(sys.argv[2], index=False)
'''


def run_measured(label, command):
    """Runs `command` under /usr/bin/time -v; returns (wall seconds, peak RSS MB, ok)."""
    started = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-v", *map(str, command)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    peak_kb = 0
    cpu = 0.0
    for line in result.stderr.splitlines():
        if "Maximum resident set size" in line:
            peak_kb = int(line.rsplit(":", 1)[1])
        if "User time (seconds)" in line or "System time (seconds)" in line:
            cpu += float(line.rsplit(":", 1)[1])
    ok = result.returncode == 0
    if not ok:
        own = result.stderr.split("\tCommand being timed")[0]
        tail = "\n".join(own.splitlines()[-8:])
        print(f"  {label} failed (exit {result.returncode}):\n{tail}", file=sys.stderr)
    load = os.getloadavg()[0]
    print(f"  {label:<44} {wall:8.2f} s wall {cpu:8.2f} s cpu {peak_kb / 1024:9.1f} MB"
          f"  (load {load:.1f}) {'ok' if ok else 'FAILED'}", flush=True)
    return wall, peak_kb / 1024, ok


def compare_with_py(dagak_out, py_out):
    """Largest |dagak − py-ecomplexity| for ECI, PCI, density and COG (py-ecomplexity profile)."""
    import pandas as pd
    py = pd.read_csv(py_out, dtype={"location": str, "product": str})
    locations = pd.read_csv(dagak_out / "locations.csv", dtype={"location": str})
    products = pd.read_csv(dagak_out / "products.csv", dtype={"product": str})
    cells = pd.read_csv(dagak_out / "cells.csv", dtype={"location": str, "product": str})
    report = {}
    merged = py.merge(locations, on=["year", "location"], suffixes=("_py", ""))
    report["eci"] = (merged["eci_py"] - merged["eci"]).abs().max()
    merged = py.merge(products, on=["year", "product"], suffixes=("_py", ""))
    report["pci"] = (merged["pci_py"] - merged["pci"]).abs().max()
    merged = py.merge(cells, on=["year", "location", "product"], suffixes=("_py", ""))
    report["density"] = (merged["density_py"] - merged["density"]).abs().max()
    report["cog"] = (merged["cog_py"] - merged["cog"]).abs().max()
    report["mcp_mismatches"] = int((merged["mcp"] != merged["m"]).sum())
    report["cells_compared"] = len(merged)
    return report


def in_venv_main(args):
    seed = int(os.environ.get("DAGAK_BENCH_SEED", "42"))
    DATA.mkdir(parents=True, exist_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    one_year = DATA / f"hs6_230x5000_1y_seed{seed}.csv"
    five_years = DATA / f"hs6_230x5000_5y_seed{seed}.csv"
    baci = DATA / f"baci_shaped_10m_seed{seed}.csv"
    if not one_year.exists():
        generate(seed, 1, one_year)
    if not args.quick and not args.baci_only and not five_years.exists():
        generate(seed, 5, five_years)
    if not args.quick and not baci.exists():
        rows = generate_baci(seed, baci)
        print(f"BACI-shaped file: {rows} rows")
    if not DAGAK.exists():
        sys.exit(f"{DAGAK} is missing: cargo build --release -p dagak-analytics-cli --example trade")
    # A script named like a package would shadow it (the script's folder comes first on sys.path).
    for stale in ("py_ecomplexity.py", "datawheel.py", "econcomplex.py"):
        (OUT / stale).unlink(missing_ok=True)
    (OUT / "peer_py_ecomplexity.py").write_text(PY_ECOMPLEXITY)
    (OUT / "peer_datawheel.py").write_text(DATAWHEEL)
    (OUT / "peer_econcomplex.py").write_text(ECONCOMPLEX)
    python = sys.executable
    cases = [] if args.baci_only else [("1 year, 230 x 5000", one_year)]
    if not args.quick and not args.baci_only:
        cases.append(("5 years, 230 x 5000", five_years))
    for name, flows in cases:
        print(f"\n{name}: {flows.name} ({flows.stat().st_size / 1e6:.0f} MB)")
        tag = flows.stem
        dagak = run_measured("dagak indicators --profile py-ecomplexity",
                             [DAGAK, "indicators", "--flows", flows, "--profile", "py-ecomplexity",
                              "--out", OUT / f"dagak_{tag}"])
        run_measured("dagak indicators (r profile, + proximity.csv)",
                     [DAGAK, "indicators", "--flows", flows, "--profile", "r-economiccomplexity",
                      "--proximity", "--out", OUT / f"dagak_r_{tag}"])
        run_measured("dagak indicators --profile atlas",
                     [DAGAK, "indicators", "--flows", flows, "--out", OUT / f"dagak_atlas_{tag}"])
        py = run_measured("py-ecomplexity 0.5.3 ecomplexity()",
                          [python, OUT / "peer_py_ecomplexity.py", flows, OUT / f"py_{tag}.csv"])
        dw = run_measured("Datawheel economic-complexity (rca, complexity, proximity, relatedness)",
                          [python, OUT / "peer_datawheel.py", flows, OUT / f"dw_{tag}.csv"])
        ecx = run_measured("econcomplex 1.0.1 compute_complexity()",
                           [python, OUT / "peer_econcomplex.py", flows, OUT / f"econcomplex_{tag}.csv"])
        for label, (wall, peak, ok) in [("py-ecomplexity", py), ("economic-complexity", dw),
                                         ("econcomplex", ecx)]:
            if ok and dagak[2]:
                print(f"  ratio {label}/dagak: wall {wall / dagak[0]:.1f}x, peak memory {peak / dagak[1]:.1f}x")
        if py[2] and dagak[2]:
            report = compare_with_py(OUT / f"dagak_{tag}", OUT / f"py_{tag}.csv")
            print("  dagak (py-ecomplexity profile) vs py-ecomplexity, max |difference|: "
                  + ", ".join(f"{key} {value:.3g}" for key, value in report.items()))
    if not args.quick:
        print(f"\nBACI-shaped bilateral year: {baci.name} ({baci.stat().st_size / 1e6:.0f} MB)")
        run_measured("dagak indicators --concentration (all indicators, HHI... by market and product)",
                     [DAGAK, "indicators", "--flows", baci, "--concentration",
                      "--out", OUT / "dagak_baci"])
        run_measured("dagak concentration --by market",
                     [DAGAK, "concentration", "--flows", baci, "--by", "market",
                      "--out", OUT / "dagak_baci_concentration_market.csv"])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="only the 1-year case")
    parser.add_argument("--baci-only", action="store_true", help="only the BACI-shaped case")
    parser.add_argument("--skip-install", action="store_true", help="do not pip install the peers")
    parser.add_argument("--in-venv", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.in_venv:
        in_venv_main(args)
        return
    python = ensure_venv(args.skip_install)
    forwarded = [a for a in sys.argv[1:] if a != "--skip-install"]
    os.execv(str(python), [str(python), str(SCRIPT), *forwarded, "--in-venv"])


if __name__ == "__main__":
    main()
