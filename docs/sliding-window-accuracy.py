#!/usr/bin/env python3
"""The figures of Stages/V5-production.md's sliding-window table: the sliding-window counter's
arithmetic (as in Sources/V5ProductionLimiter/Algorithms/SlidingWindowCounter.swift, cost 1)
against an exact sliding log, on six hours of Poisson arrivals for a limit of 100 per 60 s.

Usage: python3 docs/sliding-window-accuracy.py   (seeded: prints the same numbers every run)
"""
import bisect
import math
import random


def counter(times, limit, window):
    start, current, previous, admitted = None, 0, 0, []
    for t in times:
        if start is None:
            start = t
        passed = int((t - start) // window)
        if passed == 1:
            previous, current = current, 0
        elif passed >= 2:
            previous, current = 0, 0
        start += passed * window
        elapsed = t - start
        used = math.ceil(previous * (window - elapsed) / window - 1e-12) + current
        if used + 1 <= limit:
            current += 1
            admitted.append(t)
    return admitted


def log(times, limit, window):
    kept, admitted = [], []
    for t in times:
        if len(kept) - bisect.bisect_right(kept, t - window) < limit:
            kept.append(t)
            admitted.append(t)
    return admitted


def busiest(admitted, window):
    most, first = 0, 0
    for index, t in enumerate(admitted):
        while admitted[first] <= t - window:
            first += 1
        most = max(most, index - first + 1)
    return most


random.seed(1)
LIMIT, WINDOW = 100, 60.0
print("| traffic | admitted, counter | admitted, log | most admitted in any 60 s, counter |")
for multiple in (1.0, 2.0, 10.0):
    rate, t, times = LIMIT / WINDOW * multiple, 0.0, []
    while t < 6 * 3600:
        t += random.expovariate(rate)
        times.append(t)
    by_counter, by_log = counter(times, LIMIT, WINDOW), log(times, LIMIT, WINDOW)
    print(f"| {multiple:g}x the limit | {len(by_counter):,} | {len(by_log):,} | {busiest(by_counter, WINDOW)} |")
attack = [0.0] + [59.99 + i * 1e-6 for i in range(LIMIT - 1)] + [60 + i * 0.01 for i in range(6000)]
print(f"| adversarial | | | {busiest(counter(attack, LIMIT, WINDOW), WINDOW)} |")
