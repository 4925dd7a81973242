#!/usr/bin/env python3
"""Turn the conformance suites' results (JSON lines) into a Markdown report.

    tests/conformance/report.py IMAGES.jsonl [PODMAN-MANIFEST.jsonl] > docs/conformance.md

IMAGES.jsonl comes from tests/conformance/run.sh, PODMAN-MANIFEST.jsonl from
tests/conformance/podman-manifest/run.sh (podman's own manifest tests).

One table per class with the outcome per podman version (and reference builder), the
known differences with their reasons, the refusals, what did not meet its expectation,
and the totals. Python standard library only.
"""

import json
import re
import sys
from collections import OrderedDict

CLASS_TITLES = OrderedDict(
    [
        ("context", "1. Build context"),
        ("ignore", "2. Ignore rules"),
        ("options", "3. Build options"),
        ("forwarded", "4. Forwarded `podman build` options"),
        ("per-platform", "5. Per-platform values (podman-multiarch only)"),
    ]
)


def md(text):
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def short(text, n=160):
    text = md(text)
    return text if len(text) <= n else text[: n - 1] + "…"


COPY_DIGEST = re.compile(r"created_by.*(COPY|ADD) [a-z]+:[0-9a-f]{64}")


def telling(detail):
    """The most telling line of a difference: a COPY's content digest in the history only
    says that the files differ, the file lines say how."""
    lines = [l for l in (detail or "").split("\n") if l.strip()]
    for line in lines:
        if not COPY_DIGEST.search(line):
            return line
    return lines[0] if lines else ""


def cell(rows):
    """The outcome(s) of one case on one version, one line per reference builder."""
    parts = []
    for r in rows:
        ref = r["reference"]
        exp = r["expected"]
        if r["met"]:
            if r["outcome"] == "same":
                word = "same (both failed)" if (r["detail"] or "").startswith("both failed") else "same"
            elif r["outcome"] == "refused":
                word = "refused ✓"
            else:
                word = "differs (known) ✓"
        else:
            first = telling(r["detail"])
            word = f"**FAIL** {r['outcome']}: {short(first, 110)} (expected {exp.split(':')[0]})"
        parts.append(f"{ref}: {word}" if len(rows) > 1 or ref != "remote" else word)
    return "<br>".join(parts) if parts else "–"


PODMAN_TESTS = "podman manifest tests"


RUN_NAMES = re.compile(r"pmc[0-9]+(-(amd64|arm64|ppc64le|s390x))?")
HOST_NOTE = re.compile(r" \(host (amd64|arm64|ppc64le|s390x) runs [0-9.]+\)")


def general(text):
    """A reason or note without the run's and the host's names, so that hosts share it."""
    return HOST_NOTE.sub("", RUN_NAMES.sub("pmc…", text or ""))


def podman_tests_section(rows, w):
    """podman's own manifest tests, run through podman-multiarch on every lab host."""
    hosts = sorted({r["host"] for r in rows})
    w("## podman's own manifest tests")
    w("")
    w(
        "Generated from `tests/conformance/podman-manifest/run.sh`: every case of podman's "
        "`test/system/012-manifest.bats` (v4.4.0, v4.9.5, v5.4.2, and its v4.3.1 predecessor in "
        "`010-images.bats`) and `test/e2e/manifest_test.go` (v4.3.1, v5.4.2), re-expressed in bash; "
        "the `manifest` verbs run through podman-multiarch, the other podman commands (fixtures) "
        "through the host's own podman. Exit codes and messages are mapped to podman-multiarch's "
        "(125 → 1, `Error: MSG` → a message containing MSG); network images are replaced by the "
        "lab registry's. A case is n/a only for the reason given."
    )
    w("")
    w("| host | podman | pass | fail | n/a |")
    w("|---|---|---|---|---|")
    for h in hosts:
        hr = [r for r in rows if r["host"] == h]
        count = lambda o: sum(1 for r in hr if r["outcome"] == o)
        w(f"| {h} | {hr[0]['version']} | {count('pass')} | {count('fail')} | {count('n/a')} |")
    w("")
    cases = OrderedDict()
    for r in rows:
        cases.setdefault(r["case"], {})[r["host"]] = r
    w("| case | " + " | ".join(hosts) + " |")
    w("|---|" + "---|" * len(hosts))
    for case, by_host in cases.items():
        cells = []
        for h in hosts:
            r = by_host.get(h)
            cells.append("–" if r is None else {"pass": "pass", "fail": "**FAIL**", "n/a": "n/a"}[r["outcome"]])
        w(f"| {md(case)} | " + " | ".join(cells) + " |")
    w("")
    reasons = OrderedDict()
    for r in rows:
        if r["outcome"] == "n/a":
            reasons.setdefault(short(general(r["detail"]), 300), []).append(f"{r['case']} ({r['host']})")
    w("### Why a case does not apply")
    w("")
    for reason, where in reasons.items():
        cases_named = sorted({x.rsplit(" (", 1)[0] for x in where})
        hosts_named = sorted({x.rsplit(" (", 1)[1].rstrip(")") for x in where})
        w(f"- {reason} ({', '.join(hosts_named)}) — {md('; '.join(cases_named))}")
    w("")
    notes = OrderedDict()
    for r in rows:
        for line in (r.get("detail") or "").split("\n"):
            if line.startswith("note:") and r["outcome"] == "pass":
                notes.setdefault(short(general(line[5:]), 300), None)
    if notes:
        w("### Substitutions and translations")
        w("")
        for note in notes:
            w(f"- {note}")
        w("")
    failed = [r for r in rows if r["outcome"] == "fail"]
    if failed:
        w("### Failures")
        w("")
        for r in failed:
            w(f"- {md(r['case'])} on {r['host']}: {short(r['detail'], 400)}")
        w("")


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    results = []
    podman_rows = []
    for name in sys.argv[1:]:
        with open(name, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line:
                    row = json.loads(line)
                    (podman_rows if row.get("class") == PODMAN_TESTS else results).append(row)
    versions = sorted({r["version"] for r in results}, key=lambda v: [int(x) for x in v.split(".")])
    out = []
    w = out.append
    w("# podman-multiarch conformance with podman")
    w("")
    w(
        "Generated by `tests/conformance/report.py` from the results of `tests/conformance/run.sh` "
        "(and, in the last section, of `tests/conformance/podman-manifest/run.sh`). "
        "Each case builds the same context with podman and with podman-multiarch on the same lab host "
        "and compares the images (config, history, manifest annotations, the merged file tree with "
        "modes, owners, link targets, content hashes and mtimes): podman 4.3.1 on host `amd64`, "
        "podman 5.4.2 on host `ppc64le`. The reference is podman's own remote client of the same "
        "version (`remote`) or podman without a service (`local`), where the remote client is known "
        "to be wrong."
    )
    w("")
    w("Outcomes: **same**; **refused ✓**: podman-multiarch refused before building (exit 2), as "
      "expected for an option the host's podman cannot carry; **differs (known) ✓**: a known podman "
      "difference the case asserts is there; **FAIL**: the outcome did not meet the expectation.")
    w("")

    # totals
    w("## Totals")
    w("")
    w("| podman | results | same | different as expected | refused as expected | not as expected | seconds |")
    w("|---|---|---|---|---|---|---|")
    for v in versions:
        rs = [r for r in results if r["version"] == v]
        same = sum(1 for r in rs if r["met"] and r["outcome"] == "same")
        diff = sum(1 for r in rs if r["met"] and r["outcome"] == "different")
        ref = sum(1 for r in rs if r["met"] and r["outcome"] == "refused")
        bad = sum(1 for r in rs if not r["met"])
        per_case = {}
        for r in rs:  # a case's rows carry the time since it started: take its last
            per_case[r["case"]] = max(per_case.get(r["case"], 0), r.get("seconds", 0))
        secs = sum(per_case.values())
        w(f"| {v} | {len(rs)} | {same} | {diff} | {ref} | {bad} | {secs:.0f} |")
    w("")

    # per class
    classes = list(CLASS_TITLES.keys()) + sorted({r["class"] for r in results} - set(CLASS_TITLES))
    for cls in classes:
        rs = [r for r in results if r["class"] == cls]
        if not rs:
            continue
        w(f"## {CLASS_TITLES.get(cls, cls)}")
        w("")
        w("| case | what | " + " | ".join(f"podman {v}" for v in versions) + " |")
        w("|---|---|" + "---|" * len(versions))
        cases = OrderedDict()
        for r in rs:
            cases.setdefault(r["case"], []).append(r)
        for case, crs in cases.items():
            desc = next((r.get("description") for r in crs if r.get("description")), "")
            cells = [cell([r for r in crs if r["version"] == v]) for v in versions]
            w(f"| `{case}` | {md(desc)} | " + " | ".join(cells) + " |")
        w("")

    # known differences
    known = [r for r in results if r["met"] and r["outcome"] == "different"]
    w("## Known differences (podman, not podman-multiarch)")
    w("")
    if known:
        w("| case | podman | reference | reason | what compare.py found |")
        w("|---|---|---|---|---|")
        for r in known:
            reason = r["expected"].split(":", 1)[1] if ":" in r["expected"] else r["expected"]
            w(f"| `{r['case']}` | {r['version']} | {r['reference']} | {md(reason)} | "
              f"{short(telling(r['detail']), 140)} |")
    else:
        w("None.")
    w("")

    # refusals
    refused = [r for r in results if r["met"] and r["outcome"] == "refused"]
    w("## Refused as expected")
    w("")
    if refused:
        w("| case | podman | message |")
        w("|---|---|---|")
        for r in refused:
            w(f"| `{r['case']}` | {r['version']} | {short(r['detail'], 200)} |")
    else:
        w("None.")
    w("")

    # failures
    bad = [r for r in results if not r["met"]]
    w("## Not as expected")
    w("")
    if bad:
        for r in bad:
            w(f"### `{r['case']}` on podman {r['version']} ({r['reference']}): {r['outcome']}, expected {md(r['expected'])}")
            w("")
            w("```")
            detail = (r["detail"] or "").strip().split("\n")
            for line in detail[:25]:
                w(line[:400])
            if len(detail) > 25:
                w(f"... {len(detail) - 25} more lines")
            w("```")
            w("")
    else:
        w("Every case met its expectation.")
        w("")
    if podman_rows:
        podman_tests_section(podman_rows, w)
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
