#!/usr/bin/env python3
"""Instructions per unit of work from two callgrind runs that differ only in how much work they
did (e.g. `examples/lsp_edits` with 10 and 60 edits): the per-function difference divided by
the difference in work, so start-up and everything done once cancel out.

    scripts/callgrind-diff.py cg.10 cg.60 50 [--inclusive] [--top 40]
"""
import argparse
import re
import subprocess


def functions(path, inclusive):
    out = subprocess.run(
        ["callgrind_annotate", "--auto=no", "--threshold=100", f"--inclusive={'yes' if inclusive else 'no'}", path],
        check=True, capture_output=True, text=True).stdout
    total = None
    counts = {}
    for line in out.splitlines():
        m = re.match(r"^\s*([\d,]+)\s+\(.*?\)\s+PROGRAM TOTALS", line)
        if m:
            total = int(m.group(1).replace(",", ""))
            continue
        m = re.match(r"^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(\S.*)$", line)
        if m and ":" in m.group(2) and total is not None:
            name = m.group(2)
            name = re.sub(r"\s*\[[^\]]*\]$", "", name)
            # "file:function": inlined code is listed under the file it came from; sum by function.
            cut = re.search(r"(?<!:):(?!:)", name)
            if cut:
                name = name[cut.end():]
            counts[name] = counts.get(name, 0) + int(m.group(1).replace(",", ""))
    return total, counts


def main():
    p = argparse.ArgumentParser()
    p.add_argument("small")
    p.add_argument("large")
    p.add_argument("units", type=float, help="work of the large run minus that of the small one")
    p.add_argument("--inclusive", action="store_true")
    p.add_argument("--top", type=int, default=40)
    a = p.parse_args()
    t0, f0 = functions(a.small, a.inclusive)
    t1, f1 = functions(a.large, a.inclusive)
    per = (t1 - t0) / a.units
    print(f"total: {per:,.0f} instructions per unit ({t0:,} -> {t1:,})")
    rows = sorted(((f1.get(k, 0) - f0.get(k, 0)) / a.units, k) for k in set(f0) | set(f1))
    rows.reverse()
    for d, k in rows[: a.top]:
        print(f"{d:14,.0f} {100 * d / per:6.1f}%  {k[:150]}")


if __name__ == "__main__":
    main()
