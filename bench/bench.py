#!/usr/bin/env python3
"""podman-multiarch benchmarks against the lab (tests/lab/lab.sh up).

    bench/bench.py [--quick] [--only e2e,farm,upload,fanout,overhead,release,incremental,signing,slowlink,
                                   slowlink-one]
                   [--json FILE]

Every figure is measured in the same run as its baseline and reported as a
ratio, because these machines are noisy. Prints a table per benchmark and
writes everything as JSON (default build/bench.json).

  e2e       the example app for 4 platforms, cold (--no-cache) and warm:
            podman-multiarch vs the podman CLI host by host (the blog's steps),
            and the same CLI steps with the per-host part in parallel; plus the
            critical path (slowest platform's build+push, from the metadata).
  upload    100 MB (and 1 GB without --quick) contexts with as much ignored:
            wall time vs `tar -c | curl --unix-socket` to the same build
            endpoint, client peak RSS, bytes the client read.
  farm      the example app for 4 platforms on four podman 5.4.2 nodes
            (bench/farm.sh): podman-multiarch vs `podman farm build`
            (5.4.2 client, --local=false --cleanup), cold and warm.
  fanout    hosts check and build --dry-run against 1, 4 and 8 hosts.
  overhead  client CPU over a publish; `--version` start-up time.
  release   a 10-target release (3-level graph, 2 matrix targets) × 4 platforms: bake vs
            its critical path, vs `build` one after another, vs the builds all at once
            (bench/release.py).
  incremental  the same release run as a nightly would: unchanged, one file changed, a new
            base digest, against a warm full run and the changed target alone (bench/incremental.py).
  signing   publishing 4 platforms under 2 tags, signed and not; what signing adds (bench/signing.py).
  slowlink  a 250 MB source tree for 4 platforms over a shaped link (50 Mbit/s shared, 200 Mbit/s
            per host): podman-multiarch (zstd, and raw) vs podman farm build and the podman
            remote client; bytes on the wire, client CPU; and 4 platforms on one host behind the
            50 Mbit/s uplink against the remote client's one-request build (bench/slow_link.py;
            not in the default set: it takes minutes and makes a network namespace).
            slowlink-one runs that last profile alone.
"""
import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import incremental
import signing
import slow_link
import release

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def lab_env():
    env = dict(os.environ)
    path = os.path.join(env.get("PMA_LAB_DIR", "/var/tmp/pma-lab"), "lab.env")
    if not os.path.exists(path):
        sys.exit("the lab is not running: tests/lab/lab.sh up")
    out = subprocess.run(["bash", "-c", f"source {shlex.quote(path)} && env -0"], capture_output=True, check=True)
    for item in out.stdout.split(b"\0"):
        if b"=" in item:
            k, v = item.split(b"=", 1)
            env[k.decode()] = v.decode()
    return env


class Measured:
    """Runs a command; wall time, CPU time, peak RSS (KiB) and bytes read (rchar)."""

    def __init__(self, argv, env, stdin=None, shell=False, check=True):
        start = time.monotonic()
        proc = subprocess.Popen(argv, env=env, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                shell=shell)
        self.rchar = 0
        stop = threading.Event()

        def poll():  # /proc/PID/io is gone once the process is reaped: sample until then
            while not stop.is_set():
                try:
                    with open(f"/proc/{proc.pid}/io") as f:
                        for line in f:
                            if line.startswith("rchar:"):
                                self.rchar = max(self.rchar, int(line.split()[1]))
                except OSError:
                    pass
                time.sleep(0.005)

        sampler = threading.Thread(target=poll, daemon=True)
        sampler.start()
        out, err = proc.communicate()
        stop.set()
        self.wall = time.monotonic() - start
        self.returncode = proc.returncode
        self.stdout, self.stderr = out.decode(errors="replace"), err.decode(errors="replace")
        if check and proc.returncode != 0:
            sys.exit(f"failed ({proc.returncode}): {argv}\n{self.stderr[-3000:]}")


def timed(fn):
    start = time.monotonic()
    fn()
    return time.monotonic() - start


def run(argv, env, **kw):
    out = subprocess.run(argv, env=env, capture_output=True, text=True, **kw)
    if out.returncode != 0:
        sys.exit(f"failed ({out.returncode}): {' '.join(argv)}\n{out.stderr[-3000:]}")
    return out


def cpu_of(argv, env):
    """Wall and CPU (user+sys) seconds of a command, with its children."""
    before = os.times()
    wall = timed(lambda: run(argv, env))
    after = os.times()
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def print_table(title, columns, rows):
    """columns: (header, key, format spec) triples; a key may be a function of the row. Headers
    line up with the first row's cells: left over text, right over numbers."""
    def value(r, key):
        return key(r) if callable(key) else r[key]

    print("\n" + title)
    first = rows[0]
    print(" ".join(format(header, ("<" if isinstance(value(first, key), str) else ">") +
                          str(len(format(value(first, key), spec)))) for header, key, spec in columns))
    for r in rows:
        print(" ".join(format(value(r, key), spec) for _, key, spec in columns))


def critical_path(meta):
    """The longest platform duration in a --metadata-file (which is removed)."""
    with open(meta) as f:
        data = json.load(f)
    os.unlink(meta)
    return max(p["durationSeconds"] for p in data["platforms"])


# --- e2e -------------------------------------------------------------------

def podman_cli(env, host):
    """The podman remote-client argv prefix for lab host `host`."""
    if host == env.get("LAB_SSH_HOST"):
        return ["podman", "--url", env[f"LAB_SSH_URL_{host}"], "--identity", env["LAB_SSH_KEY"]]
    return ["podman", "--url", "unix://" + env[f"LAB_SOCK_{host}"]]


def cli_host_part(env, host, repo, tag, ctx, no_cache):
    platform = env[f"LAB_PLATFORM_{host}"]
    image = f"{repo}:{tag}-{host}"
    base = podman_cli(env, host)
    run(base + ["build", "--platform", platform, "-t", image, "--authfile", env["LAB_AUTHFILE"]]
        + (["--no-cache"] if no_cache else []) + [ctx], env)
    push = subprocess.run(base + ["push", "--authfile", env["LAB_AUTHFILE"], image], env=env, capture_output=True,
                          text=True)
    # The podman 4.3.1 client cannot read a 5.x server's push stream (it changed in 4.9) and fails after
    # "Writing manifest": the image is pushed, so the baseline carries on (docs/performance.md).
    if push.returncode != 0 and "failed to parse push results stream" not in push.stderr:
        sys.exit(f"failed: podman push {image}\n{push.stderr[-2000:]}")
    run(base + ["rmi", "-f", image], env)
    return image


def cli_flow(env, repo, tag, ctx, no_cache, parallel):
    hosts = env["LAB_HOSTS"].split()
    images = {}
    if parallel:
        threads = [threading.Thread(target=lambda h=h: images.__setitem__(h, cli_host_part(env, h, repo, tag, ctx, no_cache)))
                   for h in hosts]
        [t.start() for t in threads]
        [t.join() for t in threads]
    else:
        for h in hosts:
            images[h] = cli_host_part(env, h, repo, tag, ctx, no_cache)
    coord = podman_cli(env, hosts[0])
    lst = f"localhost/bench-list-{tag}"
    run(coord + ["manifest", "create", lst], env)
    for h in hosts:
        os_, arch, *variant = env[f"LAB_PLATFORM_{h}"].split("/")
        run(coord + ["manifest", "add", "--authfile", env["LAB_AUTHFILE"], "--os", os_, "--arch", arch]
            + (["--variant", variant[0]] if variant else []) + [lst, "docker://" + images[h]], env)
    run(coord + ["manifest", "push", "--all", "--authfile", env["LAB_AUTHFILE"], lst, f"docker://{repo}:{tag}"], env)
    run(coord + ["manifest", "rm", lst], env)


def bench_e2e(env, pma, results, rounds):
    ctx = os.path.join(ROOT, "examples", "moo-chop")
    repo = f"{env['LAB_REGISTRY']}/bench/e2e-{os.getpid()}"
    rows = []
    for cache in ("cold", "warm"):
        no_cache = cache == "cold"
        samples = {"pma": [], "cli-seq": [], "cli-par": [], "critical": [], "cpu": []}
        for r in range(rounds):
            meta = tempfile.mktemp(suffix=".json")
            argv = [pma, "build", "--config", env["LAB_CONFIG"], "--authfile", env["LAB_AUTHFILE"], "--progress",
                    "quiet", "--allow-shrink", "--metadata-file", meta, "-t", f"{repo}:pma-{cache}-{r}", ctx]
            if no_cache:
                argv.insert(2, "--no-cache")
            wall, cpu = cpu_of(argv, env)
            samples["pma"].append(wall)
            samples["cpu"].append(cpu)
            samples["critical"].append(critical_path(meta))
            samples["cli-seq"].append(timed(lambda: cli_flow(env, repo, f"seq-{cache}-{r}", ctx, no_cache, False)))
            samples["cli-par"].append(timed(lambda: cli_flow(env, repo, f"par-{cache}-{r}", ctx, no_cache, True)))
        med = {k: statistics.median(v) for k, v in samples.items()}
        rows.append({"cache": cache, "rounds": rounds, **{f"{k}_s": round(v, 3) for k, v in med.items()},
                     "vs_cli_sequential": round(med["pma"] / med["cli-seq"], 3),
                     "vs_cli_parallel": round(med["pma"] / med["cli-par"], 3),
                     "vs_critical_path": round(med["pma"] / med["critical"], 3),
                     "overhead_s": round(med["pma"] - med["critical"], 3),
                     "client_cpu_share": round(med["cpu"] / med["pma"], 4)})
    results["e2e"] = rows
    print_table("End-to-end publish, 4 platforms (median of %d)" % rounds, [
        ("cache", "cache", "6"), ("pma s", "pma_s", "7.2f"), ("cli-seq s", "cli-seq_s", "9.2f"),
        ("cli-par s", "cli-par_s", "9.2f"), ("critical s", "critical_s", "10.2f"),
        ("÷seq", "vs_cli_sequential", "6.2f"), ("÷par", "vs_cli_parallel", "6.2f"),
        ("÷crit", "vs_critical_path", "6.2f"), ("over s", "overhead_s", "6.2f"),
        ("cpu%", lambda r: 100 * r["client_cpu_share"], "6.2f")], rows)


# --- farm ------------------------------------------------------------------

def bench_farm(env, pma, results, rounds):
    out = subprocess.run([os.path.join(ROOT, "bench", "farm.sh"), "up"], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"bench/farm.sh up failed:\n{out.stderr[-3000:]}")
    farm = dict(line.split("=", 1) for line in out.stdout.split())
    farm = {k: v.strip("'") for k, v in farm.items()}
    try:
        shutil.copytree(os.path.join(ROOT, "examples", "moo-chop"), os.path.join(farm["FARM_CONTEXT_DIR"], "ctx"))
        hosts = []
        for h in env["LAB_HOSTS"].split():
            hosts += ["--host", f"{env[f'LAB_PLATFORM_{h}']}@n-{h}=unix://{farm[f'FARM_SOCK_{h}']}"]
        # new nodes: the base image is pulled once, untimed, so that neither tool pays for it
        Measured([pma, "build", "--no-push"] + hosts + ["--authfile", farm["FARM_AUTHFILE"], "--progress", "quiet",
                  os.path.join(ROOT, "examples", "moo-chop")], env)
        rows = []
        for cache in ("cold", "warm"):
            no_cache = ["--no-cache"] if cache == "cold" else []
            samples = {"pma": [], "farm": [], "critical": []}
            for r in range(rounds):
                meta = tempfile.mktemp(suffix=".json")
                samples["pma"].append(Measured(
                    [pma, "build"] + no_cache + hosts + ["--authfile", farm["FARM_AUTHFILE"], "--progress", "quiet",
                     "--allow-shrink", "--metadata-file", meta, "-t",
                     f"{farm['FARM_REGISTRY']}/bench/pma5-{os.getpid()}:{cache}-{r}",
                     os.path.join(ROOT, "examples", "moo-chop")], env).wall)
                samples["critical"].append(critical_path(meta))
                # farm build cannot take a tag (podman #25039): one repository per run, :latest
                samples["farm"].append(Measured(
                    [os.path.join(ROOT, "bench", "farm.sh"), "podman", "farm", "build", "--farm", "bench",
                     "--local=false", "--cleanup", "--authfile", "/farm/auth.json"] + no_cache +
                    ["-t", f"{farm['FARM_REGISTRY']}/bench/farm-{os.getpid()}-{cache}-{r}", "/farm/ctx"], env).wall)
            med = {k: statistics.median(v) for k, v in samples.items()}
            rows.append({"cache": cache, "rounds": rounds, **{f"{k}_s": round(v, 3) for k, v in med.items()},
                         "vs_farm": round(med["pma"] / med["farm"], 3),
                         "vs_critical_path": round(med["pma"] / med["critical"], 3),
                         "overhead_s": round(med["pma"] - med["critical"], 3)})
    finally:
        subprocess.run([os.path.join(ROOT, "bench", "farm.sh"), "down"], env=env, capture_output=True)
    results["farm"] = rows
    print_table("End-to-end publish on 4 podman 5.4.2 nodes vs podman farm build (median of %d)" % rounds, [
        ("cache", "cache", "6"), ("pma s", "pma_s", "7.2f"), ("farm s", "farm_s", "7.2f"),
        ("critical s", "critical_s", "10.2f"), ("÷farm", "vs_farm", "6.2f"), ("÷crit", "vs_critical_path", "6.2f"),
        ("over s", "overhead_s", "6.2f")], rows)


# --- upload ----------------------------------------------------------------

def make_context(directory, megabytes):
    os.makedirs(os.path.join(directory, "ignored"), exist_ok=True)
    with open(os.path.join(directory, "Containerfile"), "w") as f:
        f.write("FROM scratch\nCOPY Containerfile /\n")
    with open(os.path.join(directory, ".containerignore"), "w") as f:
        f.write("ignored/\n")
    chunk = os.urandom(1 << 20)
    for i in range(megabytes):  # kept files: 1 MiB each
        with open(os.path.join(directory, f"data-{i:05}.bin"), "wb") as f:
            f.write(chunk[i % 256:] + chunk[:i % 256])
    for i in range(megabytes):  # as much again, ignored: never to be read
        with open(os.path.join(directory, "ignored", f"skip-{i:05}.bin"), "wb") as f:
            f.write(chunk)


def bench_upload(env, pma, results, sizes, rounds):
    rows = []
    host = "amd64"
    sock = env[f"LAB_SOCK_{host}"]
    for mb in sizes:
        ctx = tempfile.mkdtemp(prefix=f"pma-bench-{mb}m-", dir="/var/tmp")
        try:
            make_context(ctx, mb)
            ours, base = [], []
            for _ in range(rounds):
                ours.append(Measured([pma, "build", "--host", host, "--config", env["LAB_CONFIG"], "--no-push",
                                      "--cleanup=true", "--platform", env[f"LAB_PLATFORM_{host}"], "--progress",
                                      "quiet", ctx], env))
                base.append(Measured(
                    f"tar -c -C {shlex.quote(ctx)} --exclude=./ignored . | curl -sS --fail --unix-socket "
                    f"{shlex.quote(sock)} -X POST -H 'Content-Type: application/x-tar' -T - "
                    f"'http://d/v4.3.1/libpod/build?dockerfile=Containerfile&rm=true' -o /dev/null",
                    env, shell=True))
            subprocess.run(["podman", "--url", "unix://" + sock, "image", "prune", "-f"], env=env,
                           capture_output=True)
            w_ours = statistics.median(m.wall for m in ours)
            w_base = statistics.median(m.wall for m in base)
            rows.append({"context_mb": mb, "ignored_mb": mb, "rounds": rounds, "pma_s": round(w_ours, 3),
                         "tar_curl_s": round(w_base, 3), "throughput_vs_baseline": round(w_base / w_ours, 3),
                         "pma_read_mb": round(max(m.rchar for m in ours) / 1e6, 1),
                         "pma_read_vs_context": round(max(m.rchar for m in ours) / (mb << 20), 3)})
            # peak RSS: /usr/bin/time, once
            t = Measured(["/usr/bin/time", "-f", "%M", pma, "build", "--host", host, "--config", env["LAB_CONFIG"],
                          "--no-push", "--platform", env[f"LAB_PLATFORM_{host}"], "--progress", "quiet", ctx], env)
            rows[-1]["pma_peak_rss_mb"] = round(int(t.stderr.strip().splitlines()[-1]) / 1024, 1)
        finally:
            shutil.rmtree(ctx, ignore_errors=True)
    results["upload"] = rows
    print_table("Context upload (median of %d); as much again ignored" % rounds, [
        ("MB", "context_mb", "6"), ("pma s", "pma_s", "7.2f"), ("tar|curl s", "tar_curl_s", "10.2f"),
        ("speed÷base", "throughput_vs_baseline", "10.2f"), ("read MB", "pma_read_mb", "8.1f"),
        ("read÷ctx", "pma_read_vs_context", "8.2f"), ("RSS MB", "pma_peak_rss_mb", "7.1f")], rows)


# --- fan-out ---------------------------------------------------------------

def host_args(env, count):
    hosts = env["LAB_HOSTS"].split()
    args = []
    for i in range(count):
        h = hosts[i % len(hosts)]
        url = env[f"LAB_SSH_URL_{h}"] if h == env.get("LAB_SSH_HOST") else "unix://" + env[f"LAB_SOCK_{h}"]
        args += ["--host", f"{env[f'LAB_PLATFORM_{h}']}@{h}-{i}={url}"]
    return args


def service_cpu(env):
    """CPU seconds the lab's services (podman, sshd) and their reaped children have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = os.path.join(env.get("PMA_LAB_DIR", "/var/tmp/pma-lab"), "pids")
    for name in os.listdir(pids):
        if not name.endswith(".pid"):
            continue
        try:
            with open(os.path.join(pids, name)) as f, open(f"/proc/{f.read().strip()}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15]) / ticks  # utime stime cutime cstime
        except (OSError, ValueError):
            pass
    return total


def bench_fanout(env, pma, results, rounds):
    """Latency with N hosts against the slowest of those hosts alone: flat means the hosts are
    contacted in parallel. The lab's services share this machine's CPUs, so their CPU time is
    measured too: N podman 4.3.1 services answering /info at once cannot beat CPU time / CPUs."""
    rows = []
    ctx = os.path.join(ROOT, "examples", "moo-chop")
    e = dict(env, CONTAINER_SSHKEY=env["LAB_SSH_KEY"])
    commands = {
        "check": lambda hosts: [pma, "hosts", "check", "--identity", env["LAB_SSH_KEY"]] + hosts,
        "dry_run": lambda hosts: [pma, "build", "--dry-run", "--identity", env["LAB_SSH_KEY"], "-t",
                                  f"{env['LAB_REGISTRY']}/bench/x:1"] + hosts + [ctx],
    }

    def measure(argv):
        walls, cpus = [], []
        for _ in range(rounds):
            before = service_cpu(env)
            walls.append(Measured(argv, e).wall)
            cpus.append(service_cpu(env) - before)
        return statistics.median(walls), statistics.median(cpus)

    alone = {}  # lab host -> {command: wall}
    for i, h in enumerate(env["LAB_HOSTS"].split()):
        args = host_args(env, i + 1)[-2:]
        alone[h] = {name: measure(cmd(args))[0] for name, cmd in commands.items()}
    for count in (1, 4, 8):
        hosts = host_args(env, count)
        used = {spec.split("@", 1)[1].split("=", 1)[0].rsplit("-", 1)[0] for spec in hosts[1::2]}
        row = {"hosts": count, "rounds": rounds}
        for name, cmd in commands.items():
            wall, cpu = measure(cmd(hosts))
            slowest = max(alone[h][name] for h in used)
            row.update({f"{name}_s": round(wall, 4), f"{name}_slowest_alone_s": round(slowest, 4),
                        f"{name}_vs_slowest_alone": round(wall / slowest, 2),
                        f"{name}_service_cpu_s": round(cpu, 3),
                        # what N hosts sharing these CPUs allow at best
                        f"{name}_floor_s": round(max(slowest, cpu / os.cpu_count()), 4)})
            row[f"{name}_vs_floor"] = round(wall / row[f"{name}_floor_s"], 2)
        rows.append(row)
    for r in rows:
        for name in commands:
            r[f"{name}_vs_1"] = round(r[f"{name}_s"] / rows[0][f"{name}_s"], 2)
    results["fanout"] = rows
    print_table("Fan-out (median of %d; hosts beyond 4 are the lab's again under other names, one over SSH per 4;"
                " alone = the slowest of those hosts on its own; svc cpu = CPU the lab's services used;"
                " floor = max(alone, svc cpu / CPUs))" % rounds, [
                    ("hosts", "hosts", "5"), ("check s", "check_s", "8.3f"), ("÷1", "check_vs_1", "5.2f"),
                    ("÷alone", "check_vs_slowest_alone", "6.2f"), ("svc cpu s", "check_service_cpu_s", "9.2f"),
                    ("÷floor", "check_vs_floor", "6.2f"), ("dry-run s", "dry_run_s", "9.3f"),
                    ("÷1", "dry_run_vs_1", "5.2f"), ("÷alone", "dry_run_vs_slowest_alone", "6.2f")], rows)


# --- overhead --------------------------------------------------------------

def bench_overhead(env, pma, results, rounds):
    runs = [Measured([pma, "--version"], env).wall for _ in range(max(20, rounds * 10))]
    results["overhead"] = {"version_ms_median": round(1000 * statistics.median(runs), 2),
                           "version_ms_max": round(1000 * max(runs), 2)}
    print(f"\n--version: median {results['overhead']['version_ms_median']:.2f} ms, "
          f"max {results['overhead']['version_ms_max']:.2f} ms over {len(runs)} runs")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1 round, 100 MB context only")
    parser.add_argument("--only", default="e2e,farm,upload,fanout,overhead,release,incremental,signing")
    parser.add_argument("--json", default=os.path.join(ROOT, "build", "bench.json"))
    parser.add_argument("--bin", default=os.path.join(ROOT, "build", "podman-multiarch"))
    args = parser.parse_args()
    env = lab_env()
    home = tempfile.mkdtemp()  # the podman CLI over SSH reads ~/.ssh/known_hosts
    os.makedirs(os.path.join(home, ".ssh"))
    shutil.copy(env["LAB_KNOWN_HOSTS"], os.path.join(home, ".ssh", "known_hosts"))
    env["HOME"] = home
    env.pop("CONTAINER_HOST", None)
    rounds = 1 if args.quick else 3
    results = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "machine": os.uname().nodename,
               "cpus": os.cpu_count(), "rounds": rounds}
    only = args.only.split(",")
    if "overhead" in only:
        bench_overhead(env, args.bin, results, rounds)
    if "fanout" in only:
        bench_fanout(env, args.bin, results, rounds if args.quick else 5)
    if "upload" in only:
        bench_upload(env, args.bin, results, [100] if args.quick else [100, 1024], rounds)
    if "e2e" in only:
        bench_e2e(env, args.bin, results, rounds)
    if "farm" in only:
        bench_farm(env, args.bin, results, rounds)
    if "release" in only:
        release.bench_release(env, args.bin, results, rounds, Measured, timed, print_table)
    if "incremental" in only:
        incremental.bench_incremental(env, args.bin, results, rounds, Measured, timed, print_table)
    if "signing" in only:
        signing.bench_signing(env, args.bin, results, 3 if args.quick else 7, Measured, print_table)
    if "slowlink" in only:
        slow_link.run(env, args.bin, 1 if args.quick else 2, results, print_table)
    elif "slowlink-one" in only:
        slow_link.run(env, args.bin, 1 if args.quick else 2, results, print_table, profiles=("one-host",))
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(results, f, indent=2)
    print(f"\nwritten: {args.json}")
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
