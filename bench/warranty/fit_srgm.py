"""Time the maximum-likelihood fits on 10,000 failure times (and the whole estimate).

Run: .venv/bin/python bench/warranty/fit_srgm.py
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from prodops.warranty import srgm

N = 10_000
REPEAT = 20


def data(n: int = N) -> srgm.FailureTimes:
    # A Goel-Okumoto process with b = 0.01 per day observed for 180 days; given the
    # count, its failure times are independent truncated exponentials.
    rng = np.random.default_rng(1)
    b, end = 0.01, 180.0
    u = rng.random(n)
    times = np.sort(-np.log1p(u * math.expm1(-b * end)) / b)
    return srgm.FailureTimes.of(times, end)


def timed(fn) -> tuple[float, float]:
    runs = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), max(runs)


def main() -> None:
    d = data()
    print(f"{N} failure times, median and worst of {REPEAT} runs")
    for code, name in srgm.MODEL_CODES.items():
        med, worst = timed(lambda code=code: srgm.fit(code, d))
        print(f"  fit {name:<18} {med * 1000:8.2f} ms   (worst {worst * 1000:.2f} ms)")
    med, worst = timed(lambda: srgm.estimate(d, threshold=1 / 14, horizon=14))
    print(f"  estimate (4 models, trend, forecast) {med * 1000:8.2f} ms   (worst {worst * 1000:.2f} ms)")
    # A product's warranty (what the facts provider does per product in warranty).
    small = data(25)
    med, worst = timed(lambda: srgm.estimate(small, threshold=1 / 14, horizon=14))
    print(f"25 failure times: estimate {med * 1000:.2f} ms   (worst {worst * 1000:.2f} ms)")


if __name__ == "__main__":
    main()
