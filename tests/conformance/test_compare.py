#!/usr/bin/env python3
"""Self-test of compare.py on synthetic archives (no lab needed):

    python3 tests/conformance/test_compare.py

Checks the layer merge (whiteouts, opaque directories, a directory replaced by a file,
hard links), raw non-UTF-8 names, the build-time mtime rule, exact sub-second mtimes,
label order, history fields and the secret search. Standard library only.
"""

import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
COMPARE = os.path.join(HERE, "compare.py")


def layer(entries):
    """entries: (name, kind, data/target, mtime, mode); returns gzip'ed tar bytes."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT, encoding="utf-8",
                      errors="surrogateescape") as t:
        for name, kind, data, mtime, mode in entries:
            ti = tarfile.TarInfo(name)
            ti.mtime = mtime
            ti.mode = mode
            if kind == "dir":
                ti.type = tarfile.DIRTYPE
                t.addfile(ti)
            elif kind == "symlink":
                ti.type = tarfile.SYMTYPE
                ti.linkname = data
                t.addfile(ti)
            elif kind == "hardlink":
                ti.type = tarfile.LNKTYPE
                ti.linkname = data
                t.addfile(ti)
            else:
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
    return gzip.compress(buf.getvalue(), mtime=0)


def oci_archive(path, layers, labels, history, annotations=None):
    blobs = {}

    def put(data):
        d = hashlib.sha256(data).hexdigest()
        blobs[d] = data
        return "sha256:" + d

    layer_descs = []
    diff_ids = []
    for l in layers:
        layer_descs.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": put(l),
                            "size": len(l)})
        diff_ids.append("sha256:" + hashlib.sha256(gzip.decompress(l)).hexdigest())
    labels_json = "{" + ",".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in labels) + "}"
    config = ('{"architecture":"amd64","os":"linux","config":{"Labels":' + labels_json +
              '},"rootfs":{"type":"layers","diff_ids":' + json.dumps(diff_ids) + '},"history":' +
              json.dumps(history) + "}").encode()
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                      "digest": put(config), "size": len(config)},
                           "layers": layer_descs, "annotations": annotations or {}}).encode()
    mdigest = put(manifest)
    index = json.dumps({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": mdigest, "size": len(manifest)}]})
    with tarfile.open(path, "w") as t:
        for name, data in [("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), ("index.json", index.encode())] + \
                [("blobs/sha256/" + d, b) for d, b in blobs.items()]:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))


BAD = b"bad\xffname".decode("utf-8", "surrogateescape")
BASE = layer([
    ("a", "dir", None, 100, 0o755),
    ("a/x", "file", b"x", 100, 0o644),
    ("a/y", "file", b"y", 100, 0o644),
    ("gone", "file", b"g", 100, 0o644),
    ("d", "dir", None, 100, 0o755),
    ("d/inner", "file", b"i", 100, 0o644),
    (BAD, "file", b"raw name", 100, 0o4755),
])
TOP = layer([
    ("a", "dir", None, 2000000000, 0o755),          # build time
    ("a/.wh..wh..opq", "file", b"", 0, 0o644),
    ("a/z", "file", b"z", 1700000000.6, 0o644),      # exact sub-second time
    (".wh.gone", "file", b"", 0, 0o644),
    ("d", "file", b"now a file", 100, 0o644),        # a directory replaced by a file
    ("h1", "file", b"linked", 100, 0o644),
    ("h2", "hardlink", "h1", 100, 0o644),
    ("s", "symlink", "a/z", 100, 0o777),
])
HISTORY = [{"created_by": "COPY . /", "created": "2020-01-01T00:00:00Z"},
           {"created_by": "RUN x", "comment": "FROM 0123456789ab"}]


def run(*args):
    p = subprocess.run([sys.executable, COMPARE, *args], capture_output=True, text=True)
    return p.returncode, p.stdout


def main():
    failures = 0

    def check(what, cond, out=""):
        nonlocal failures
        print(("ok   " if cond else "FAIL ") + what)
        if not cond:
            failures += 1
            print("     " + out.replace("\n", "\n     "))

    with tempfile.TemporaryDirectory() as d:
        a, b = os.path.join(d, "a.tar"), os.path.join(d, "b.tar")
        oci_archive(a, [BASE, TOP], [("b", "2"), ("a", "1")], HISTORY)
        # the same, but built at another moment and another intermediate image in the comment
        top2 = layer([
            ("a", "dir", None, 2000000100, 0o755),
            ("a/.wh..wh..opq", "file", b"", 0, 0o644),
            ("a/z", "file", b"z", 1700000000.6, 0o644),
            (".wh.gone", "file", b"", 0, 0o644),
            ("d", "file", b"now a file", 100, 0o644),
            ("h1", "file", b"linked", 100, 0o644),
            ("h2", "hardlink", "h1", 100, 0o644),
            ("s", "symlink", "a/z", 100, 0o777),
        ])
        hist2 = [dict(HISTORY[0], created="2021-01-01T00:00:00Z"), dict(HISTORY[1], comment="FROM ba9876543210")]
        oci_archive(b, [BASE, top2], [("b", "2"), ("a", "1")], hist2)
        rc, out = run("--since", "1900000000", a, b)
        check("equal images (build-time mtimes, created times, comment IDs ignored)", rc == 0, out)
        rc, out = run("--since", "1900000000", "--compare-created", a, b)
        check("--compare-created sees the created times", rc == 1 and "history[0].created" in out, out)
        rc, out = run("--dump", a)
        check("opaque dir drops a/x and a/y", rc == 0 and "\na/x " not in out and "\na/y " not in out
              and "\na/z " in out, out)
        check("whiteout drops gone", "\ngone " not in out, out)
        check("a directory replaced by a file drops its content", "d/inner" not in out and "\nd {" in out, out)
        check("hard link carries its target's content hash", '"h2"' not in out and
              hashlib.sha256(b"linked").hexdigest() in out.split("\nh2 ")[1].split("\n")[0], out)
        check("non-UTF-8 name kept as raw bytes", "bad\\xffname" in out and '"0o4755"' in out, out)
        check("sub-second mtime exact", '"1700000000.6"' in out, out)

        c = os.path.join(d, "c.tar")
        top3 = layer([
            ("a", "dir", None, 2000000000, 0o755),
            ("a/.wh..wh..opq", "file", b"", 0, 0o644),
            ("a/z", "file", b"z", 1700000001, 0o644),        # rounded
            (".wh.gone", "file", b"", 0, 0o644),
            ("d", "file", b"now a file", 100, 0o644),
            ("h1", "file", b"linked", 100, 0o644),
            ("h2", "hardlink", "h1", 100, 0o644),
            ("s", "symlink", "a/z", 100, 0o777),
            ("secret-leak", "file", b"s3cr3t-bytes", 100, 0o644),
        ])
        oci_archive(c, [BASE, top3], [("a", "1"), ("b", "2")], HISTORY, {"k": "v"})
        rc, out = run("--since", "1900000000", a, c)
        check("a rounded sub-second mtime is a difference", rc == 1 and "file a/z: mtime 1700000000.6 != 1700000001" in out, out)
        check("label order is a difference", "config.Labels" in out, out)
        check("an extra file is a difference", "file secret-leak: only in b" in out, out)
        check("a manifest annotation is a difference", "manifest.annotations[k]" in out, out)
        secret = os.path.join(d, "secret")
        with open(secret, "wb") as f:
            f.write(b"s3cr3t-bytes")
        rc, out = run("--absent-file", secret, a, c)
        check("--absent-file finds the secret's bytes in b only", "its bytes are in b's layer 1" in out
              and "in a's" not in out, out)
    print(f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
