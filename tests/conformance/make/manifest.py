#!/usr/bin/env python3
"""Merge fixtures/manifest.d/*.json (each a JSON array of fixture judgements, written by one
maker) into fixtures/manifest.json, sorted by file name of the part, then in the part's order.
Refuses duplicate ids and entries whose file is missing."""

import glob
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "fixtures"))
REQUIRED = ("id", "kind", "file", "data", "trust", "chain", "at", "expect", "rule", "clause", "maker")


def main():
    out, seen, problems = [], set(), []
    for part in sorted(glob.glob(os.path.join(FIXTURES, "manifest.d", "*.json"))):
        with open(part, encoding="utf-8") as f:
            entries = json.load(f)
        if not isinstance(entries, list):
            problems.append(f"{part}: not a JSON array")
            continue
        for e in entries:
            where = f"{os.path.basename(part)}: {e.get('id')}"
            missing = [k for k in REQUIRED if k not in e]
            if missing:
                problems.append(f"{where}: missing {', '.join(missing)}")
            if e.get("id") in seen:
                problems.append(f"{where}: duplicate id")
            seen.add(e.get("id"))
            for rel in [e.get("file"), e.get("data"), *e.get("trust", []), *e.get("chain", [])]:
                if rel and not os.path.exists(os.path.join(FIXTURES, rel)):
                    problems.append(f"{where}: {rel} does not exist")
            out.append(e)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        sys.exit(1)
    with open(os.path.join(FIXTURES, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=2)
        f.write("\n")
    print(f"manifest: {len(out)} entries")


if __name__ == "__main__":
    main()
