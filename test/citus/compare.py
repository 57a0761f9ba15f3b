#!/usr/bin/python3
"""Compare two outputs of test/citus/every_function.sql (single node, Citus).

Lines must be equal, except that numbers may differ by 1e-12 relative: a sum
over the same rows in another order (Citus returns the shards' rows in shard
order) can differ in its last bits, which floating-point addition allows.
Prints each difference and the largest relative difference of numbers that
are not equal; exits 1 when the outputs differ beyond that.
"""
import re
import sys

NUMBER = re.compile(r'-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?')
TOLERANCE = 1e-12


def split(line):
    """The line as (text between numbers, numbers)."""
    return NUMBER.split(line), [float(x) for x in NUMBER.findall(line)]


def main(single_path, citus_path):
    single = open(single_path).read().splitlines()
    citus = open(citus_path).read().splitlines()
    failed = len(single) != len(citus)
    if failed:
        print(f'{single_path}: {len(single)} lines, {citus_path}: {len(citus)} lines')
    worst = 0.0
    inexact = 0
    for n, (a, b) in enumerate(zip(single, citus), 1):
        if a == b:
            continue
        (text_a, nums_a), (text_b, nums_b) = split(a), split(b)
        if text_a != text_b or len(nums_a) != len(nums_b):
            print(f'line {n} differs:\n- {a[:500]}\n+ {b[:500]}')
            failed = True
            continue
        for x, y in zip(nums_a, nums_b):
            if x == y:
                continue
            rel = abs(x - y) / max(abs(x), abs(y))
            worst = max(worst, rel)
            inexact += 1
            if rel > TOLERANCE:
                print(f'line {n}: {x!r} against {y!r} (relative {rel:.3g} > {TOLERANCE:g})\n- {a[:300]}')
                failed = True
    print(f'{len(single)} lines; {inexact} numbers not bit-for-bit equal, largest relative difference {worst:.3g}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:3]))
