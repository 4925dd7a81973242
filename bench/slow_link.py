"""The slow-link benchmark (bench.py --only slowlink): publishing a real source tree for 4
platforms when the hosts sit behind a slow uplink, as from a laptop or a CI runner.

The four podman 5.4.2 nodes of bench/farm.sh are reached over TCP through a network
namespace whose veth is shaped with tc (netem is not in this kernel): a forwarder inside the
namespace relays each port to one node's socket. Two link profiles:
  shared    one 50 Mbit/s uplink (tbf) for all four hosts
  per-host  200 Mbit/s to each host (htb, one class per host's port)
Only the client→hosts direction is shaped (the context); the hosts reach the registry
directly, as build hosts in a data centre do.

The context: drivers/net, fs, kernel, net and include of Debian's linux-source-6.1 (about
250 MB in 16 000 files), plus 64 MB of an ignored build directory. Each image runs a step
over the whole context (RUN --mount=type=bind) and stays small, so the transfer dominates.
In the same run, for each profile:
  pma         podman-multiarch build -t … (auto: zstd for tcp hosts), every host at once
  pma raw     the same with --compress none
  farm        podman farm build (5.4.2 client, --local=false)
  remote      the podman 5.4.2 remote client, `build` then `push` per host, all four at once
and a third profile, one-host: the shared 50 Mbit/s uplink to a single host that builds all
four platforms (three under emulation: a laptop's one build VM), where
  pma         podman-multiarch build, one upload for the four platforms
  remote      the remote client's own one-request build: `build --platform A,B,C,D
              --manifest L`, then `manifest push --all`
Bytes on the wire are the veth's transmit counter over the run, per host; client CPU is the
tool's user+system time over its wall time.
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NS = "pma-link"
VETH = "pma-veth0"
HOST_IP, NS_IP = "10.77.0.1", "10.77.0.2"
BASE_PORT = 7101
NODES = [("amd64", "linux/amd64"), ("arm64", "linux/arm64/v8"), ("ppc64le", "linux/ppc64le"),
         ("s390x", "linux/s390x")]
CACHE = "/var/tmp/pma-bench"

FORWARDER = r'''
import asyncio, sys
async def pump(reader, writer):
    try:
        while data := await reader.read(1 << 16):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()
async def serve(port, sock):
    async def handle(r, w):
        try:
            ur, uw = await asyncio.open_unix_connection(sock)
        except OSError:
            w.close()
            return
        await asyncio.gather(pump(r, uw), pump(ur, w))
    server = await asyncio.start_server(handle, sys.argv[1], port)
    await server.serve_forever()
async def main():
    pairs = sys.argv[2:]
    await asyncio.gather(*(serve(int(pairs[i]), pairs[i + 1]) for i in range(0, len(pairs), 2)))
asyncio.run(main())
'''


def sh(cmd, check=True):
    return subprocess.run(cmd, shell=True, check=check, capture_output=True, text=True)


def make_context():
    """The linux-source subset (extracted once into /var/tmp/pma-bench) and an ignored build dir."""
    src = os.path.join(CACHE, "linux-source-6.1")
    if not os.path.isdir(os.path.join(src, "kernel")):
        os.makedirs(CACHE, exist_ok=True)
        debs = [f for f in os.listdir(CACHE) if f.startswith("linux-source-6.1_")]
        if not debs:
            sh(f"cd {CACHE} && apt-get download linux-source-6.1")
            debs = [f for f in os.listdir(CACHE) if f.startswith("linux-source-6.1_")]
        sh(f"cd {CACHE} && dpkg-deb --fsys-tarfile {debs[0]} | tar -xO ./usr/src/linux-source-6.1.tar.xz | xz -dc | "
           "tar -x --wildcards 'linux-source-6.1/drivers/net/*' 'linux-source-6.1/fs/*' 'linux-source-6.1/kernel/*' "
           "'linux-source-6.1/net/*' 'linux-source-6.1/include/*'", check=False)
    build = os.path.join(src, "build")
    if not os.path.isdir(build):
        os.makedirs(build)
        for i in range(64):
            with open(os.path.join(build, f"obj-{i:03}.o"), "wb") as f:
                f.write(os.urandom(1 << 20))
    with open(os.path.join(src, ".containerignore"), "w") as f:
        f.write("build/\n")
    with open(os.path.join(src, "Containerfile"), "w") as f:
        f.write("FROM 127.0.0.1:45443/lab/busybox:latest\n"
                "RUN --mount=type=bind,target=/src find /src -type f | wc -l > /files && uname -m > /arch\n")
    return src


def raw_size(src):
    """Bytes of the context's tar (what an uncompressed upload sends)."""
    out = sh(f"cd {src} && tar -c --exclude=./build . | wc -c")
    return int(out.stdout)


class Link:
    def __init__(self, sockets):
        self.sockets = sockets
        self.forwarder = None

    def __enter__(self):
        self.down()
        for cmd in (f"ip netns add {NS}", f"ip link add {VETH} type veth peer name pma-veth1",
                    f"ip link set pma-veth1 netns {NS}", f"ip addr add {HOST_IP}/24 dev {VETH}",
                    f"ip link set {VETH} up", f"ip netns exec {NS} ip addr add {NS_IP}/24 dev pma-veth1",
                    f"ip netns exec {NS} ip link set pma-veth1 up", f"ip netns exec {NS} ip link set lo up"):
            sh(cmd)
        args = []
        for i, sock in enumerate(self.sockets):
            args += [str(BASE_PORT + i), sock]
        self.forwarder = subprocess.Popen(["ip", "netns", "exec", NS, sys.executable, "-c", FORWARDER, NS_IP] + args,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if sh(f"bash -c '</dev/tcp/{NS_IP}/{BASE_PORT + len(self.sockets) - 1}'", check=False).returncode == 0:
                break
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        if self.forwarder:
            self.forwarder.kill()
            self.forwarder.wait()
        self.down()

    @staticmethod
    def down():
        sh(f"ip link del {VETH}", check=False)
        sh(f"ip netns del {NS}", check=False)

    def shape(self, profile):
        sh(f"tc qdisc del dev {VETH} root", check=False)
        if profile is None:
            return
        if profile == "shared":
            sh(f"tc qdisc add dev {VETH} root tbf rate 50mbit burst 64kb latency 200ms")
            return
        sh(f"tc qdisc add dev {VETH} root handle 1: htb default 99")
        sh(f"tc class add dev {VETH} parent 1: classid 1:99 htb rate 10gbit")
        for i in range(len(self.sockets)):
            sh(f"tc class add dev {VETH} parent 1: classid 1:{10 + i} htb rate 200mbit ceil 200mbit burst 64kb")
            sh(f"tc filter add dev {VETH} parent 1: protocol ip u32 match ip dport {BASE_PORT + i} 0xffff "
               f"flowid 1:{10 + i}")

    @staticmethod
    def sent():
        with open(f"/sys/class/net/{VETH}/statistics/tx_bytes") as f:
            return int(f.read())

    @staticmethod
    def url(i):
        return f"tcp://{NS_IP}:{BASE_PORT + i}"


def measured(argv_list, env):
    """Runs the commands at once; wall time of the slowest, CPU seconds of all, bytes sent."""
    start_bytes, start = Link.sent(), time.monotonic()
    results = [None] * len(argv_list)

    def one(i):
        proc = subprocess.Popen(argv_list[i], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _, err = proc.communicate()
        results[i] = (proc.returncode, err.decode(errors="replace"))

    usage_before = os.times()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(argv_list))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - start
    usage = os.times()
    cpu = (usage.children_user - usage_before.children_user) + (usage.children_system - usage_before.children_system)
    for code, err in results:
        if code != 0:
            sys.exit(f"failed ({code}): {argv_list}\n{err[-3000:]}")
    return {"wall": wall, "cpu": cpu, "bytes": Link.sent() - start_bytes}


def one_host(link, env, pma, farm, src, tag, rounds):
    """The one-host profile: every platform on node 0, through the shared uplink."""
    farm_sh = os.path.join(ROOT, "bench", "farm.sh")
    platforms = ",".join(platform for _, platform in NODES)
    common = [pma, "build", "--progress", "quiet", "--authfile", farm["FARM_AUTHFILE"], "--host",
              f"{platforms}@s-one={link.url(0)}"]
    link.shape(None)
    measured([common + ["--no-push", src]], env)  # each platform's base image, once, untimed and unshaped
    link.shape("shared")
    samples = {"pma": [], "remote": []}
    for r in range(rounds):
        samples["pma"].append(measured([common + ["-t", f"{tag}:one-{r}", src]], env))
        remote = f"{tag}:remote-one-{r}"
        built = measured([[farm_sh, "podman", "--url", link.url(0), "build", "--authfile", "/farm/auth.json",
                           "--platform", platforms, "--manifest", remote, "/farm/ctx"]], env)
        pushed = measured([[farm_sh, "podman", "--url", link.url(0), "manifest", "push", "--all", "--authfile",
                            "/farm/auth.json", remote, f"docker://{remote}"]], env)
        samples["remote"].append({k: built[k] + pushed[k] for k in built})
    return {k: {m: statistics.median(s[m] for s in v) for m in ("wall", "cpu", "bytes")} for k, v in samples.items()}


def run(env, pma, rounds, results, print_table, profiles=("shared", "per-host", "one-host")):
    farm_sh = os.path.join(ROOT, "bench", "farm.sh")
    out = subprocess.run([farm_sh, "up"], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"bench/farm.sh up failed:\n{out.stderr[-3000:]}")
    farm = {k: v.strip("'") for k, v in (line.split("=", 1) for line in out.stdout.split())}
    src = make_context()
    raw = raw_size(src)
    chroot_ctx = os.path.join(farm["FARM_CONTEXT_DIR"], "ctx")
    sh(f"cp -a {src}/. {chroot_ctx}/" if os.path.isdir(chroot_ctx) else f"cp -a {src} {chroot_ctx}")
    sockets = [farm[f"FARM_SOCK_{name}"] for name, _ in NODES]
    rows = []
    try:
        with Link(sockets) as link:
            names = []
            for i, (name, _) in enumerate(NODES):
                subprocess.run([farm_sh, "podman", "system", "connection", "add", f"s-{name}", link.url(i)], env=env,
                               capture_output=True, check=True)
                names.append(f"s-{name}")
            subprocess.run([farm_sh, "podman", "farm", "create", "slow"] + names, env=env, capture_output=True,
                           check=True)
            hosts = []
            for i, (name, platform) in enumerate(NODES):
                hosts += ["--host", f"{platform}@s-{name}={link.url(i)}"]
            tag = f"{farm['FARM_REGISTRY']}/bench/slow-{os.getpid()}"
            # the base image and the layer cache, once, untimed and unshaped
            measured([[pma, "build", "--no-push", "--progress", "quiet", "--authfile", farm["FARM_AUTHFILE"]] + hosts +
                      [src]], env)
            if "one-host" in profiles:
                med = one_host(link, env, pma, farm, src, tag, rounds)
                rows.append({
                    "profile": "one-host", "rounds": rounds, "raw_mb": round(raw / 1e6, 1),
                    **{f"{k}_s": round(v["wall"], 2) for k, v in med.items()},
                    **{f"{k}_wire": round(v["bytes"] / raw, 3) for k, v in med.items()},
                    "pma_cores": round(med["pma"]["cpu"] / med["pma"]["wall"], 2),
                    "vs_remote": round(med["pma"]["wall"] / med["remote"]["wall"], 3),
                })
            for profile in [p for p in profiles if p != "one-host"]:
                link.shape(profile)
                samples = {k: [] for k in ("pma", "pma_raw", "farm", "remote")}
                for r in range(rounds):
                    common = [pma, "build", "--progress", "quiet", "--authfile", farm["FARM_AUTHFILE"]] + hosts
                    samples["pma"].append(measured([common + ["-t", f"{tag}:pma-{profile}-{r}", src]], env))
                    samples["pma_raw"].append(measured([common + ["--compress", "none", "-t",
                                                                  f"{tag}:raw-{profile}-{r}", src]], env))
                    samples["farm"].append(measured([[farm_sh, "podman", "farm", "build", "--farm", "slow",
                                                      "--local=false", "--cleanup", "--authfile", "/farm/auth.json",
                                                      "-t", f"{tag}-farm-{profile}-{r}", "/farm/ctx"]], env))
                    remote = []
                    for i, (name, platform) in enumerate(NODES):
                        image = f"{tag}:remote-{profile}-{r}-{name}"
                        remote.append([farm_sh, "podman", "--url", link.url(i), "build", "--platform",
                                       platform, "-t", image, "/farm/ctx"])
                    samples["remote"].append(measured(remote, env))
                    pushes = [[farm_sh, "podman", "--url", link.url(i), "push", "--authfile", "/farm/auth.json",
                               f"{tag}:remote-{profile}-{r}-{name}"] for i, (name, _) in enumerate(NODES)]
                    pushed = measured(pushes, env)  # the remote client's publish: its builds, then its pushes
                    samples["remote"][-1] = {k: samples["remote"][-1][k] + pushed[k] for k in pushed}
                med = {k: {m: statistics.median(s[m] for s in v) for m in ("wall", "cpu", "bytes")}
                       for k, v in samples.items()}
                rows.append({
                    "profile": profile, "rounds": rounds, "raw_mb": round(raw / 1e6, 1),
                    **{f"{k}_s": round(v["wall"], 2) for k, v in med.items()},
                    **{f"{k}_wire": round(v["bytes"] / len(NODES) / raw, 3) for k, v in med.items()},
                    "pma_cores": round(med["pma"]["cpu"] / med["pma"]["wall"], 2),
                    "vs_farm": round(med["pma"]["wall"] / med["farm"]["wall"], 3),
                    "vs_remote": round(med["pma"]["wall"] / med["remote"]["wall"], 3),
                    "vs_raw": round(med["pma"]["wall"] / med["pma_raw"]["wall"], 3),
                })
    finally:
        subprocess.run([farm_sh, "down"], env=env, capture_output=True)
    results["slowlink"] = rows
    four = [r for r in rows if r["profile"] != "one-host"]
    one = [r for r in rows if r["profile"] == "one-host"]
    if four:
        print_table("Publishing a %d MB source tree to 4 hosts over a shaped link (median of %d)" %
                    (raw // 10**6, rounds), [
                        ("profile", "profile", "9"), ("pma s", "pma_s", "6.1f"), ("raw s", "pma_raw_s", "6.1f"),
                        ("farm s", "farm_s", "7.1f"), ("remote s", "remote_s", "8.1f"), ("÷farm", "vs_farm", "6.2f"),
                        ("÷remote", "vs_remote", "7.2f"), ("wire/host", "pma_wire", "9.3f"),
                        ("farm wire", "farm_wire", "9.3f"), ("remote wire", "remote_wire", "11.3f"),
                        ("cores", "pma_cores", "5.2f")], four)
    if one:
        print_table("The same, 4 platforms on one host behind the 50 Mbit/s uplink (median of %d)" % rounds, [
            ("pma s", "pma_s", "6.1f"), ("remote s", "remote_s", "8.1f"), ("÷remote", "vs_remote", "7.2f"),
            ("pma wire", "pma_wire", "8.3f"), ("remote wire", "remote_wire", "11.3f"),
            ("cores", "pma_cores", "5.2f")], one)
