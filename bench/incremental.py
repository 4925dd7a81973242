"""The incremental benchmark (bench.py --only incremental): the release of bench/release.py
(10 targets × the lab's 4 platforms, each image 3 s of RUN), run as a nightly pipeline would.

`base` builds FROM a base image of its own (a copy of the lab's busybox list in the bench's
repository); tools and sidecar FROM the lab's busybox. Each round, in the same run:
  warm       `bake --rebuild` after a first bake: every job built again, layer cache warm
  unchanged  `bake` again: nothing changed (target: 0 builds, 0 pushes, ≤ 0.1 × warm)
  alone      `bake --rebuild=api-plugins api-plugins`: that one target built, its bases unchanged
  one file   a file of api-plugins changed, `bake` of the whole release (target ≤ 1.2 × alone)
  new base   the base image's tag moved to another list: `bake` (target: exactly base and the 5
             targets built on it rebuild, 24 jobs; tools and sidecar, 16 jobs, unchanged)
Builds and pushes are counted from the hosts' own event logs, not from our output.
"""
import json
import os
import statistics
import subprocess
import tempfile
import time
import urllib.parse

import release

LEAF = "api-plugins"


def host_events(env, since):
    """{"build": n, "push": n}: image events the lab hosts logged since `since` (unix seconds)."""
    counts = {"build": 0, "push": 0}
    filters = urllib.parse.quote(json.dumps({"type": ["image"]}))
    for host in env["LAB_HOSTS"].split():
        out = subprocess.run(["curl", "-s", "-m", "10", "--unix-socket", env[f"LAB_SOCK_{host}"],
                              f"http://d/v4.0.0/libpod/events?stream=false&since={since}&filters={filters}"],
                             capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            action = json.loads(line).get("Action")
            if action in counts:
                counts[action] += 1
    return counts


def changes(meta_path):
    """{(target, platform): change} from bake's --metadata-file."""
    with open(meta_path) as f:
        meta = json.load(f)
    return {(name, p["platform"]): p.get("change", "") for name, t in meta["targets"].items()
            for p in t["platforms"]}


def bench_incremental(env, pma, results, rounds, measured, timed, print_table):
    registry = f"{env['LAB_REGISTRY']}/bench/incremental-{os.getpid()}"
    auth = env["LAB_AUTHFILE"]
    samples = {k: [] for k in ("warm", "unchanged", "alone", "one_file", "new_base")}
    counts = {}
    with tempfile.TemporaryDirectory() as directory:
        base_image = f"{registry}/base-image:1"
        moved = os.path.join(directory, "moved")
        os.makedirs(moved)
        with open(os.path.join(moved, "Containerfile"), "w") as f:
            f.write(f"FROM {env['LAB_BASE_IMAGE']}\nCOPY marker /marker\n")
        with open(os.path.join(moved, "marker"), "w") as f:
            f.write("moved\n")
        measured([pma, "build", "--config", env["LAB_CONFIG"], "--authfile", auth, "--progress", "quiet",
                  "-t", f"{registry}/base-image:moved", moved], env)
        config = release.unlimited_config(env, directory)

        def copy(source):
            subprocess.run(["skopeo", "copy", "--all", "--quiet", "--authfile", auth, f"docker://{source}",
                            f"docker://{base_image}"], check=True, capture_output=True)

        for r in range(rounds):
            copy(env["LAB_BASE_IMAGE"])
            path = release.write_release(os.path.join(directory, f"r{r}"), registry, base_image, f"inc-{r}",
                                         other_base=env["LAB_BASE_IMAGE"])
            meta = os.path.join(directory, "meta.json")

            def bake(*extra):
                return measured([pma, "bake", "-f", path, "--config", config, "--authfile", auth,
                                 "--progress", "quiet", "--metadata-file", meta, *extra], env)

            def since():
                time.sleep(1)  # events are logged by the second
                return int(time.time())

            bake()
            samples["warm"].append(bake("--rebuild").wall)
            start = since()
            samples["unchanged"].append(bake().wall)
            counts["unchanged"] = host_events(env, start)
            samples["alone"].append(bake(f"--rebuild={LEAF}", LEAF).wall)
            with open(os.path.join(os.path.dirname(path), LEAF, "changed"), "w") as f:
                f.write(f"round {r}\n")
            start = since()
            samples["one_file"].append(bake().wall)
            counts["one_file"] = host_events(env, start)
            built = sorted({t for (t, _), c in changes(meta).items() if c != "unchanged"})
            assert built == [LEAF], f"one file changed in {LEAF}, built: {built}"
            copy(f"{registry}/base-image:moved")
            start = since()
            samples["new_base"].append(bake().wall)
            counts["new_base"] = host_events(env, start)
            built = sorted({t for (t, _), c in changes(meta).items() if c != "unchanged"})
            assert built == ["api", "api-plugins", "base", "web", "web-plugins", "worker"], f"new base, built: {built}"
    med = {k: statistics.median(v) for k, v in samples.items()}
    row = {"targets": len(release.expanded()), "platforms": len(env["LAB_HOSTS"].split()), "rounds": rounds,
           **{f"{k}_s": round(v, 3) for k, v in med.items()},
           "unchanged_vs_warm": round(med["unchanged"] / med["warm"], 3),
           "one_file_vs_alone": round(med["one_file"] / med["alone"], 3),
           "unchanged_builds": counts["unchanged"]["build"], "unchanged_pushes": counts["unchanged"]["push"],
           "one_file_builds": counts["one_file"]["build"], "new_base_builds": counts["new_base"]["build"]}
    results["incremental"] = row
    print_table(f"Incremental release, {row['targets']} targets × {row['platforms']} platforms (median of {rounds})", [
        ("warm s", "warm_s", "7.2f"), ("unchanged s", "unchanged_s", "11.3f"), ("÷warm", "unchanged_vs_warm", "6.3f"),
        ("alone s", "alone_s", "7.2f"), ("1 file s", "one_file_s", "8.2f"), ("÷alone", "one_file_vs_alone", "6.2f"),
        ("new base s", "new_base_s", "10.2f"), ("builds 0/1/base", "unchanged_builds", "15d")], [row])
    print(f"host events: unchanged {counts['unchanged']}, one file {counts['one_file']}, new base {counts['new_base']}")
    return row
