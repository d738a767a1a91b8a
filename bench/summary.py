#!/usr/bin/env python3
"""bench/summary.py RESULTS [A/B...]: medians over rounds of the lines
bench/lib.sh's run() writes ("MODE SERVER RPS req/s p50 N us p99 N us CPU
us CPU/req user N%"), per mode and server, and for each A/B the ratios of
server A's medians to server B's in every mode that has both (medians, not
means: these machines are shared, and one disturbed round should not move
the figure)."""
import statistics
import sys

rows = {}
order = []
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) < 11 or f[3] != "req/s" or f[0].startswith("#"):
        continue
    key = (f[0], f[1])
    if key not in rows:
        rows[key] = []
        order.append(key)
    rows[key].append((float(f[2]), float(f[5]), float(f[8]), float(f[10])))

med = {}
for key in order:
    cols = list(zip(*rows[key]))
    med[key] = [statistics.median(c) for c in cols]
    rps, p50, p99, cpu = med[key]
    print("%-9s %-12s %9.0f req/s  p50 %6.0f us  p99 %7.0f us  %6.2f us CPU/req  (median of %d)"
          % (key[0], key[1], rps, p50, p99, cpu, len(rows[key])))
modes = []
for key in order:
    if key[0] not in modes:
        modes.append(key[0])
for pair in sys.argv[2:]:
    a, b = pair.split("/")
    for m in modes:
        if (m, a) not in med or (m, b) not in med:
            continue
        r, bb = med[(m, a)], med[(m, b)]
        print("%-9s %s / %s: req/s %.2f  p99 %.2f  CPU/req %.2f"
              % (m, a, b, r[0] / bb[0], r[2] / bb[2], r[3] / bb[3]))
