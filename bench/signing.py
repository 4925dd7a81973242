"""The signing benchmark (bench.py --only signing): what signing adds to publishing a
4-platform release under 2 tags.

Each round builds 4 new images (`build --fragment`, a line of the Containerfile changed),
then publishes them twice to fresh tags, in alternating order: `publish` as it is (podman
pushes the list to each tag) and `publish --sign-by-sigstore-private-key` (the list to a
staging tag, 5 manifests × 2 tags signed, written and read back verified, the 2 tags moved,
the staging tag removed). Publishing is timed alone, so that build noise does not drown
the difference; the images are new each round, as in a release (no signatures yet).
"""
import os
import re
import statistics
import subprocess
import tempfile


def bench_signing(env, pma, results, rounds, Measured, print_table):
    work = tempfile.mkdtemp(prefix="pma-bench-sign-")
    ctx = os.path.join(work, "ctx")
    os.makedirs(ctx)
    with open(os.path.join(work, "pass"), "w") as f:
        f.write("bench\n")
    key = os.path.join(work, "key")
    Measured([pma, "generate-sigstore-key", "--output-prefix", key, "--passphrase-file",
              os.path.join(work, "pass")], env)
    repo = f"{env['LAB_REGISTRY']}/bench/signing-{os.getpid()}"
    fragment = os.path.join(work, "fragment.json")
    common = ["--config", env["LAB_CONFIG"], "--authfile", env["LAB_AUTHFILE"], "--progress", "plain"]
    signing = ["--sign-by-sigstore-private-key", key + ".private", "--sign-passphrase-file",
               os.path.join(work, "pass")]
    samples = {"plain": [], "signed": [], "signing": []}
    for r in range(rounds):
        with open(os.path.join(ctx, "Containerfile"), "w") as f:
            f.write(f"FROM {env['LAB_BASE_IMAGE']}\nRUN echo signing-bench-{os.getpid()}-{r} > /bench\n")
        Measured([pma, "build", *common, "--fragment", fragment, "-t", f"{repo}:built", ctx], env)
        order = ("plain", "signed") if r % 2 == 0 else ("signed", "plain")
        for kind in order:
            extra = signing if kind == "signed" else []
            run = Measured([pma, "publish", *common, *extra, "-t", f"{repo}:{kind}-{r}", "-t",
                            f"{repo}:{kind}-{r}-latest", fragment], env)
            samples[kind].append(run.wall)
            if kind == "signed":
                found = re.search(r"signed and verified \d+ manifests \(\d+ new signatures, \d+ kept\) in (\d+) ms",
                                  run.stderr)
                if not found:
                    raise SystemExit(f"no signing line in:\n{run.stderr[-2000:]}")
                samples["signing"].append(int(found.group(1)) / 1000)
    med = {k: statistics.median(v) for k, v in samples.items()}
    row = {"rounds": rounds, "plain_s": round(med["plain"], 3), "signed_s": round(med["signed"], 3),
           "added_s": round(med["signed"] - med["plain"], 3), "ratio": round(med["signed"] / med["plain"], 3),
           "signing_step_s": round(med["signing"], 3)}
    results["signing"] = row
    print_table("Publishing 4 platforms under 2 tags, signed and not (median of %d)" % rounds, [
        ("plain s", "plain_s", "8.3f"), ("signed s", "signed_s", "9.3f"), ("added s", "added_s", "8.3f"),
        ("÷plain", "ratio", "7.3f"), ("signing step s", "signing_step_s", "15.3f")], [row])
    subprocess.run(["rm", "-rf", work], check=False)
