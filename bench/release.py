"""The release benchmark (bench.py --only release): 10 targets × the lab's 4 platforms.

The release: `base`; `api`, `web`, `worker` built FROM base; `api-plugins` and `web-plugins`
FROM api and web (3 levels); `tools` and `sidecar`, each a 2-way matrix. Every image's build
spends SECONDS in a RUN step (sleep: the lab's hosts share 2 cores, so work that burns CPU would
measure the machine, not the scheduling).

Measured in the same run, cold (--no-cache):
  bake       podman-multiarch bake (one queue over all hosts)
  critical   the longest chain of jobs (per platform: base → api → api-plugins), from bake's
             --metadata-file timings (each image it builds FROM until built, the last job
             whole): no schedule of those jobs can beat it
  sequential one `podman-multiarch build` after another, in dependency order (FROM base via
             --build-context base=docker-image://REGISTRY/base:TAG, as a shell script would)
  at-once    the same build commands, each level of the graph all at once
and bake's peak RSS (/usr/bin/time).

The lab's four hosts share this machine's cores and each reports them all, so bake would give
each host as many slots as cores (max-jobs' default). The jobs here sleep rather than compute,
so that limit would be measured instead of the queue: the release runs with a copy of the lab
config giving each host max-jobs: 10 (every job of its platform at once), as a host with the
cores to spare would.
"""
import json
import os
import statistics
import tempfile
import threading

SECONDS = 3

# name → (built FROM, matrix values)
TARGETS = {
    "base": (None, None),
    "api": ("base", None),
    "web": ("base", None),
    "worker": ("base", None),
    "api-plugins": ("api", None),
    "web-plugins": ("web", None),
    "tools": (None, ["slim", "full"]),
    "sidecar": (None, ["a", "b"]),
}


def expanded():
    """(target name, FROM target or None, level) of the 10 targets, in dependency order."""
    out = []
    for name, (parent, matrix) in TARGETS.items():
        level = 1 if parent is None else 1 + next(lv for n, _, lv in out if n == parent)
        for value in matrix or [None]:
            out.append((f"{name}-{value}" if value else name, parent, level))
    return out


def write_release(directory, registry, base_image, tag, other_base=None):
    """The contexts and the release file; returns the file's path. `other_base`, if given, is
    the image the targets outside base's graph (tools, sidecar) build FROM."""
    for name, parent, _ in expanded():
        ctx = os.path.join(directory, name)
        os.makedirs(ctx, exist_ok=True)
        image = "base" if parent else (base_image if name == "base" or not other_base else other_base)
        with open(os.path.join(ctx, "Containerfile"), "w") as f:
            f.write(f"FROM {image}\n"
                    f"RUN sleep {SECONDS} && echo {name} > /{name}\n")
    lines = ["targets:"]
    for name, (parent, matrix) in TARGETS.items():
        lines.append(f"  {name}:")
        if matrix:
            lines.append(f"    matrix: {{v: [{', '.join(matrix)}]}}")
            lines.append(f"    context: {name}-${{v}}")
            lines.append(f"    tags: [\"{registry}/{name}-${{v}}:{tag}\"]")
        else:
            lines.append(f"    context: {name}")
            lines.append(f"    tags: [\"{registry}/{name}:{tag}\"]")
        if parent:
            lines.append(f"    contexts: {{base: \"target:{parent}\"}}")
    lines.append("groups:")
    lines.append(f"  default: [{', '.join(TARGETS)}]")
    path = os.path.join(directory, "podman-multiarch.bake.yaml")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def critical_path(meta_path):
    """The longest chain of jobs along the graph, per platform, from bake's own timings: each
    job it builds FROM counts until its image was built and checked (buildSeconds: a job on
    the same host starts then, during that image's push), the last one whole (durationSeconds)."""
    with open(meta_path) as f:
        meta = json.load(f)
    timings = {}
    for name, target in meta["targets"].items():
        for platform in target["platforms"]:
            timings[(name, platform["platform"])] = (platform["buildSeconds"], platform["durationSeconds"])
    ready, chains = {}, []
    for name, parent, _ in expanded():
        for (target, platform), (built, whole) in timings.items():
            if target == name:
                before = ready.get((parent, platform), 0) if parent else 0
                ready[(name, platform)] = before + built
                chains.append(before + whole)
    return max(chains)


def unlimited_config(env, directory):
    """The lab config with max-jobs: 10 on every host."""
    path = os.path.join(directory, "hosts.yaml")
    with open(env["LAB_CONFIG"]) as src, open(path, "w") as out:
        for line in src:
            out.write(line)
            if line.strip().startswith("platforms:"):
                out.write(line[:len(line) - len(line.lstrip())] + "max-jobs: 10\n")
    return path


def build_argv(pma, env, directory, registry, name, parent, tag, no_cache):
    argv = [pma, "build", "--config", env["LAB_CONFIG"], "--authfile", env["LAB_AUTHFILE"], "--progress", "quiet",
            "--allow-shrink", "-t", f"{registry}/{name}:{tag}"]
    if parent:
        argv += ["--build-context", f"base=docker-image://{registry}/{parent}:{tag}"]
    if no_cache:
        argv.append("--no-cache")
    return argv + [os.path.join(directory, name)]


def bench_release(env, pma, results, rounds, measured, timed, print_table):
    registry = f"{env['LAB_REGISTRY']}/bench/release-{os.getpid()}"
    base_image = env["LAB_BASE_IMAGE"]
    samples = {"bake": [], "critical": [], "sequential": [], "at_once": [], "rss_mb": []}
    for r in range(rounds):
        with tempfile.TemporaryDirectory() as directory:
            tag = f"bake-{r}"
            release = write_release(directory, registry, base_image, tag)
            meta = os.path.join(directory, "meta.json")
            run = measured(["/usr/bin/time", "-f", "%M", pma, "bake", "-f", release, "--config",
                            unlimited_config(env, directory),
                            "--authfile", env["LAB_AUTHFILE"], "--progress", "quiet", "--no-cache",
                            "--metadata-file", meta], env)
            samples["bake"].append(run.wall)
            samples["rss_mb"].append(int(run.stderr.strip().splitlines()[-1]) / 1024)
            samples["critical"].append(critical_path(meta))

            seq_tag = f"seq-{r}"
            samples["sequential"].append(timed(lambda: [
                measured(build_argv(pma, env, directory, registry, name, parent, seq_tag, True), env)
                for name, parent, _ in expanded()]))

            par_tag = f"par-{r}"

            def by_levels():
                for level in sorted({lv for _, _, lv in expanded()}):
                    threads = [threading.Thread(target=measured, args=(
                        build_argv(pma, env, directory, registry, name, parent, par_tag, True), env))
                        for name, parent, lv in expanded() if lv == level]
                    [t.start() for t in threads]
                    [t.join() for t in threads]
            samples["at_once"].append(timed(by_levels))
    med = {k: statistics.median(v) for k, v in samples.items()}
    row = {"targets": len(expanded()), "platforms": len(env["LAB_HOSTS"].split()), "rounds": rounds,
           **{f"{k}_s": round(v, 2) for k, v in med.items() if k != "rss_mb"},
           "vs_critical_path": round(med["bake"] / med["critical"], 3),
           "vs_sequential": round(med["bake"] / med["sequential"], 3),
           "vs_at_once": round(med["bake"] / med["at_once"], 3),
           "peak_rss_mb": round(max(samples["rss_mb"]), 1)}
    results["release"] = row
    print_table(f"Release of {row['targets']} targets × {row['platforms']} platforms, cold (median of {rounds})", [
        ("bake s", "bake_s", "7.2f"), ("critical s", "critical_s", "10.2f"), ("seq s", "sequential_s", "7.2f"),
        ("at-once s", "at_once_s", "9.2f"), ("÷crit", "vs_critical_path", "6.2f"), ("÷seq", "vs_sequential", "6.2f"),
        ("÷at-once", "vs_at_once", "8.2f"), ("RSS MB", "peak_rss_mb", "7.1f")], [row])
    return row
