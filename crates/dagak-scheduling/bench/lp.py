"""The LP relaxation of a dagak schedule instance with HiGHS: the model of `solve.py` with the
0/1 variables relaxed to [0, 1], solved by HiGHS's interior-point method. Its optimum is the
reference the engine's bound is measured against (the engine's bound can never be below it)."""
import json, sys, time
import highspy, numpy as np


def lp_relaxation(inst, time_limit=600, threads=1):
    slots = {s["id"]: s for s in inst["slots"]}
    avail = {p["id"]: set(p["available"]) - set(p.get("blocked", [])) for p in inst["participants"]}
    max_meetings = {p["id"]: p.get("max_meetings") for p in inst["participants"]}
    rows = {}
    n = 0
    cost = []
    for index, request in enumerate(inst["requests"]):
        for slot in sorted(avail[request["a"]] & avail[request["b"]]):
            column = n
            n += 1
            cost.append(-float(request["weight"]))
            keys = [("request", index), ("ps", request["a"], slot), ("ps", request["b"], slot), ("slot", slot)]
            for side in ("a", "b"):
                if max_meetings[request[side]] is not None:
                    keys.append(("budget", request[side]))
            for key in keys:
                rows.setdefault(key, []).append(column)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("threads", threads)
    h.setOptionValue("solver", "ipm")
    h.addVars(n, np.zeros(n), np.ones(n))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), np.array(cost))
    inf = highspy.kHighsInf
    for key, columns in rows.items():
        if key[0] == "slot":
            capacity = slots[key[1]].get("tables", len(columns))
        elif key[0] == "budget":
            capacity = max_meetings[key[1]]
        else:
            capacity = 1
        if len(columns) <= capacity:
            continue
        h.addRow(-inf, float(capacity), len(columns), np.array(columns, dtype=np.int32), np.ones(len(columns)))
    started = time.time()
    h.run()
    seconds = time.time() - started
    status = h.modelStatusToString(h.getModelStatus())
    return {"objective": -h.getInfo().objective_function_value, "status": status,
            "seconds": round(seconds, 2), "variables": n}


if __name__ == "__main__":
    instance = json.load(open(sys.argv[1]))
    print(json.dumps(lp_relaxation(instance, float(sys.argv[2]) if len(sys.argv) > 2 else 600)))
