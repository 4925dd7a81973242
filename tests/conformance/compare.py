#!/usr/bin/env python3
"""Compare two container image archives (oci-archive or docker-archive).

    compare.py [options] A.tar B.tar

Prints one line per difference and exits 0 when the images are equal, 1 when they
differ, 2 on an error (unreadable archive, zstd layer, ...). Lines starting with
"info:" are informational (layer count, whether the layer digests are identical).

Compared:
  config      every key of config.config (Labels as an ordered list of pairs, in the
              order they are serialised), architecture, os, variant, os.version,
              os.features, author, the set of top-level keys, container_config
              (docker format, without Hostname)
  history     created_by, empty_layer, comment, author of every entry (created only
              with --compare-created); image IDs in comments ("FROM 1fbfd6133f24",
              podman 4.3.1's note of the previous intermediate image) compare as <image-id>
  manifest    mediaType, the layers' media types, annotations (values of
              *.created annotations only with --compare-created; base.digest only
              when base.name is set and without --ignore-base-digest)
  file tree   the layers applied in order (.wh. whiteouts, .wh..wh..opq opaque
              directories), then for every path (raw bytes): type, mode with
              setuid/setgid/sticky, uid, gid, size, link target, sha256 of the
              content, device numbers, xattrs, mtime. An mtime at or after --since
              was set by the build (a directory made by WORKDIR, a file written by
              RUN): such entries compare as "build-time" on both sides.

Options:
  --since EPOCH         the moment the case started (default: no build-time rule)
  --names A,B           how to call the two sides in the output (default a,b)
  --compare-created     also compare the created times (for --timestamp cases)
  --absent-file FILE    FILE's bytes must not appear in any layer, the config or the
                        manifest of either image (repeatable; for secrets)
  --ignore-base-digest  compare org.opencontainers.image.base.digest by presence only
                        (podman 4.3.1 records the digest of the previous intermediate
                        image of the build there, which differs between any two builds)
  --dump                print the config, history and file tree of A and exit
Python standard library only.
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
import re
from decimal import Decimal

IMAGE_ID = re.compile(r"\b[0-9a-f]{12,64}\b")


class ArchiveError(Exception):
    pass


def ordered_pairs(pairs):
    """json object hook that keeps the serialised key order."""
    return OrderedObject(pairs)


class OrderedObject(dict):
    """A dict that also remembers its key order as serialised (dicts do too, but
    this makes the intent explicit and survives copies)."""

    def __init__(self, pairs):
        super().__init__(pairs)
        self.pairs = list(pairs)


def load_json(data):
    return json.loads(data, object_pairs_hook=ordered_pairs)


class Image:
    """An image read from an archive: manifest, config, layer tar streams."""

    def __init__(self, path):
        self.path = path
        self.manifest = {}
        self.config = {}
        self.config_raw = b""
        self.manifest_raw = b""
        self.layers = []  # decompressed tar bytes, in order
        self.layer_digests = []  # as named in the archive
        self._read()

    def _read(self):
        try:
            outer = tarfile.open(self.path, "r:*")
        except (OSError, tarfile.TarError) as e:
            raise ArchiveError(f"{self.path}: not a tar archive: {e}")
        members = {}
        for m in outer.getmembers():
            name = m.name
            while name.startswith("./"):
                name = name[2:]
            members[name] = m

        def read(name):
            m = members.get(name)
            if m is None:
                raise ArchiveError(f"{self.path}: no {name} in the archive")
            f = outer.extractfile(m)
            if f is None:
                raise ArchiveError(f"{self.path}: {name} is not a file")
            return f.read()

        if "index.json" in members:
            index = load_json(read("index.json"))
            desc = index["manifests"][0]
            blob = "blobs/" + desc["digest"].replace(":", "/")
            raw = read(blob)
            data = load_json(raw)
            while "manifests" in data:  # a nested index: its first manifest
                desc = data["manifests"][0]
                raw = read("blobs/" + desc["digest"].replace(":", "/"))
                data = load_json(raw)
            self.manifest = data
            self.manifest_raw = raw
            self.config_raw = read("blobs/" + data["config"]["digest"].replace(":", "/"))
            for layer in data.get("layers", []):
                self.layer_digests.append(layer["digest"])
                self.layers.append(decompress(read("blobs/" + layer["digest"].replace(":", "/")), self.path))
        elif "manifest.json" in members:
            entries = load_json(read("manifest.json"))
            entry = entries[0]
            self.manifest = {"mediaType": "docker-archive", "layers": []}
            self.manifest_raw = read("manifest.json")
            self.config_raw = read(entry["Config"])
            for layer in entry["Layers"]:
                self.layer_digests.append(layer)
                self.layers.append(decompress(read(layer), self.path))
        else:
            raise ArchiveError(f"{self.path}: neither index.json nor manifest.json")
        self.config = load_json(self.config_raw)


def decompress(data, where):
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    if data[:4] == b"\x28\xb5\x2f\xfd":
        raise ArchiveError(f"{where}: zstd layer (python has no zstd decoder)")
    return data


def norm_path(name):
    """A member name as raw bytes, without ./ and trailing /."""
    raw = name.encode("utf-8", "surrogateescape")
    while raw.startswith(b"./"):
        raw = raw[2:]
    raw = raw.lstrip(b"/")
    raw = raw.rstrip(b"/")
    return raw


def show_path(raw):
    return raw.decode("utf-8", "backslashreplace") if raw else "/"


TYPES = {
    tarfile.REGTYPE: "file",
    tarfile.AREGTYPE: "file",
    tarfile.CONTTYPE: "file",
    tarfile.DIRTYPE: "dir",
    tarfile.SYMTYPE: "symlink",
    tarfile.LNKTYPE: "hardlink",
    tarfile.CHRTYPE: "char",
    tarfile.BLKTYPE: "block",
    tarfile.FIFOTYPE: "fifo",
}


def member_mtime(m):
    raw = m.pax_headers.get("mtime")
    if raw is not None:
        try:
            return Decimal(raw)
        except Exception:
            pass
    return Decimal(int(m.mtime))


def merged_tree(image):
    """path (bytes) -> attributes, after applying every layer in order."""
    tree = {}
    for data in image.layers:
        added = set()
        tf = tarfile.open(fileobj=io.BytesIO(data), mode="r:", encoding="utf-8", errors="surrogateescape")
        for m in tf:
            path = norm_path(m.name)
            if not path:
                path = b""
            base = os.path.basename(path)
            parent = os.path.dirname(path)
            if base == b".wh..wh..opq":
                prefix = parent + b"/" if parent else b""
                for p in [p for p in tree if p.startswith(prefix) and p != parent and p not in added]:
                    del tree[p]
                continue
            if base.startswith(b".wh."):
                victim = (parent + b"/" if parent else b"") + base[4:]
                for p in [p for p in tree if p == victim or p.startswith(victim + b"/")]:
                    del tree[p]
                continue
            kind = TYPES.get(m.type, "type-" + m.type.decode("latin-1"))
            entry = {
                "type": kind,
                "mode": oct(m.mode & 0o7777),
                "uid": m.uid,
                "gid": m.gid,
                "mtime": member_mtime(m),
            }
            if kind == "file":
                content = tf.extractfile(m).read()
                entry["size"] = len(content)
                entry["sha256"] = hashlib.sha256(content).hexdigest()
            elif kind == "symlink":
                entry["target"] = m.linkname.encode("utf-8", "surrogateescape")
            elif kind == "hardlink":
                target = norm_path(m.linkname)
                entry["target"] = target
                if target in tree and "sha256" in tree[target]:
                    entry["size"] = tree[target]["size"]
                    entry["sha256"] = tree[target]["sha256"]
            elif kind in ("char", "block"):
                entry["device"] = f"{m.devmajor},{m.devminor}"
            xattrs = {k: v for k, v in m.pax_headers.items() if k.startswith("SCHILY.xattr.")}
            if xattrs:
                entry["xattrs"] = sorted(xattrs.items())
            old = tree.get(path)
            if old is not None and old["type"] == "dir" and kind != "dir":
                for p in [p for p in tree if p.startswith(path + b"/")]:
                    del tree[p]
            tree[path] = entry
            added.add(path)
    return tree


class Diff:
    def __init__(self, names):
        self.a, self.b = names
        self.lines = []

    def add(self, what, va, vb):
        self.lines.append(f"{what}: {self.a} {fmt(va)} != {self.b} {fmt(vb)}")

    def note(self, line):
        self.lines.append(line)


def fmt(v):
    if isinstance(v, OrderedObject):
        return "{" + ", ".join(f"{json.dumps(k)}: {fmt(x)}" for k, x in v.pairs) + "}"
    if isinstance(v, bytes):
        return repr(v.decode("utf-8", "backslashreplace"))
    if isinstance(v, Decimal):
        return str(v)
    if v is MISSING:
        return "(absent)"
    return json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else json.dumps(v, ensure_ascii=False)


class _Missing:
    pass


MISSING = _Missing()


def ordered(v):
    """Comparable form keeping object key order."""
    if isinstance(v, OrderedObject):
        return [("{}",)] + [(k, ordered(x)) for k, x in v.pairs]
    if isinstance(v, dict):
        return [("{}",)] + [(k, ordered(x)) for k, x in v.items()]
    if isinstance(v, list):
        return [ordered(x) for x in v]
    return v


def compare_config(a, b, d, compare_created):
    ca, cb = a.config, b.config
    ka = sorted(k for k in ca.keys() if k != "container")
    kb = sorted(k for k in cb.keys() if k != "container")
    if ka != kb:
        d.add("config top-level keys", ka, kb)
    for key in ("architecture", "os", "variant", "os.version", "os.features", "author", "docker_version"):
        va, vb = ca.get(key, MISSING), cb.get(key, MISSING)
        if ordered(va) != ordered(vb):
            d.add(f"config.{key}", va, vb)
    if compare_created and ca.get("created") != cb.get("created"):
        d.add("config.created", ca.get("created", MISSING), cb.get("created", MISSING))
    for section in ("config", "container_config"):
        sa, sb = ca.get(section) or {}, cb.get(section) or {}
        keys = list(dict.fromkeys(list(sa.keys()) + list(sb.keys())))
        for key in keys:
            if section == "container_config" and key == "Hostname":
                continue
            va, vb = sa.get(key, MISSING), sb.get(key, MISSING)
            if key == "Labels":
                pa = list(va.pairs) if isinstance(va, OrderedObject) else va
                pb = list(vb.pairs) if isinstance(vb, OrderedObject) else vb
                if pa != pb:
                    d.add(f"{section}.Labels", va, vb)
                continue
            if ordered(va) != ordered(vb):
                d.add(f"{section}.{key}", va, vb)


def compare_history(a, b, d, compare_created):
    ha, hb = a.config.get("history") or [], b.config.get("history") or []
    if len(ha) != len(hb):
        d.add("history length", len(ha), len(hb))
    fields = ["created_by", "empty_layer", "comment", "author"] + (["created"] if compare_created else [])
    for i in range(max(len(ha), len(hb))):
        ea = ha[i] if i < len(ha) else {}
        eb = hb[i] if i < len(hb) else {}
        for f in fields:
            va, vb = ea.get(f, MISSING), eb.get(f, MISSING)
            if f == "comment" and isinstance(va, str) and isinstance(vb, str):
                # buildah 1.28 writes "FROM <ID of the previous intermediate image>": IDs always differ
                va, vb = IMAGE_ID.sub("<image-id>", va), IMAGE_ID.sub("<image-id>", vb)
            if f == "empty_layer":  # absent means false
                va = bool(va) if va is not MISSING else False
                vb = bool(vb) if vb is not MISSING else False
            if va != vb:
                d.add(f"history[{i}].{f}", va, vb)


def compare_manifest(a, b, d, compare_created, ignore_base_digest=False):
    ma, mb = a.manifest, b.manifest
    if ma.get("mediaType") != mb.get("mediaType"):
        d.add("manifest.mediaType", ma.get("mediaType", MISSING), mb.get("mediaType", MISSING))
    ta = [l.get("mediaType") for l in ma.get("layers", [])]
    tb = [l.get("mediaType") for l in mb.get("layers", [])]
    if ta != tb and len(ta) == len(tb):
        d.add("manifest layer media types", ta, tb)
    aa = ma.get("annotations") or {}
    ab = mb.get("annotations") or {}
    for key in list(dict.fromkeys(list(aa.keys()) + list(ab.keys()))):
        va, vb = aa.get(key, MISSING), ab.get(key, MISSING)
        if key.endswith(".created") and not compare_created and va is not MISSING and vb is not MISSING:
            continue
        if (key == "org.opencontainers.image.base.digest" and va is not MISSING and vb is not MISSING
                and (ignore_base_digest or (not aa.get("org.opencontainers.image.base.name")
                                            and not ab.get("org.opencontainers.image.base.name")))):
            # no named base, or podman 4.3.1: the digest of the build's previous intermediate image
            continue
        if va != vb:
            d.add(f"manifest.annotations[{key}]", va, vb)


def show_mtime(m, since):
    if since is not None and m >= since:
        return "build-time"
    return m


def compare_trees(a, b, d, since):
    ta, tb = merged_tree(a), merged_tree(b)
    diffs = []
    for path in sorted(set(ta) | set(tb)):
        ea, eb = ta.get(path), tb.get(path)
        if ea is None or eb is None:
            side = d.b if ea is None else d.a
            e = ea or eb
            diffs.append(f"file {show_path(path)}: only in {side} ({e['type']})")
            continue
        parts = []
        for key in ("type", "mode", "uid", "gid", "size", "target", "sha256", "device", "xattrs"):
            va, vb = ea.get(key, MISSING), eb.get(key, MISSING)
            if va != vb:
                parts.append(f"{key} {fmt(va)} != {fmt(vb)}")
        ma, mb = show_mtime(ea["mtime"], since), show_mtime(eb["mtime"], since)
        if ma != mb:
            parts.append(f"mtime {fmt(ma)} != {fmt(mb)}")
        if parts:
            diffs.append(f"file {show_path(path)}: " + "; ".join(parts) + f" ({d.a} vs {d.b})")
    limit = 25
    for line in diffs[:limit]:
        d.note(line)
    if len(diffs) > limit:
        d.note(f"... and {len(diffs) - limit} more file differences")
    return ta, tb


def check_absent(image, name, secrets, d):
    for path, needle in secrets:
        where = []
        if needle in image.config_raw:
            where.append("config")
        if needle in image.manifest_raw:
            where.append("manifest")
        for i, layer in enumerate(image.layers):
            if needle in layer:
                where.append(f"layer {i}")
        if where:
            d.note(f"secret {path}: its bytes are in {name}'s " + ", ".join(where))


def dump(image, since):
    print(json.dumps(image.config, indent=1, ensure_ascii=False))
    print(json.dumps(image.manifest, indent=1, ensure_ascii=False))
    for path, e in sorted(merged_tree(image).items()):
        e = dict(e)
        e["mtime"] = str(show_mtime(e["mtime"], since))
        if "target" in e:
            e["target"] = show_path(e["target"])
        print(show_path(path), json.dumps(e, ensure_ascii=False, default=str))


def main():
    p = argparse.ArgumentParser(description="Compare two image archives", add_help=True)
    p.add_argument("--since", type=Decimal)
    p.add_argument("--names", default="a,b")
    p.add_argument("--compare-created", action="store_true")
    p.add_argument("--absent-file", action="append", default=[])
    p.add_argument("--dump", action="store_true")
    p.add_argument("--ignore-base-digest", action="store_true")
    p.add_argument("archives", nargs="+")
    args = p.parse_args()
    try:
        if args.dump:
            dump(Image(args.archives[0]), args.since)
            return 0
        if len(args.archives) != 2:
            p.error("two archives expected")
        a, b = Image(args.archives[0]), Image(args.archives[1])
    except (ArchiveError, OSError, ValueError, KeyError, tarfile.TarError) as e:
        print(f"error: {e}")
        return 2
    names = args.names.split(",", 1)
    if len(names) != 2:
        names = ["a", "b"]
    d = Diff(names)
    try:
        compare_config(a, b, d, args.compare_created)
        compare_history(a, b, d, args.compare_created)
        compare_manifest(a, b, d, args.compare_created, args.ignore_base_digest)
        compare_trees(a, b, d, args.since)
        secrets = []
        for path in args.absent_file:
            with open(path, "rb") as f:
                needle = f.read()
            if needle:
                secrets.append((path, needle))
        check_absent(a, names[0], secrets, d)
        check_absent(b, names[1], secrets, d)
    except (ArchiveError, OSError, tarfile.TarError) as e:
        print(f"error: {e}")
        return 2
    for line in d.lines:
        print(line)
    la, lb = len(a.layers), len(b.layers)
    print(f"info: layers {names[0]} {la}, {names[1]} {lb}")
    if not d.lines:
        da = (a.config.get("rootfs") or {}).get("diff_ids")
        db = (b.config.get("rootfs") or {}).get("diff_ids")
        print(f"info: layer digests identical: {'yes' if da == db else 'no'}")
    return 1 if d.lines else 0


if __name__ == "__main__":
    sys.exit(main())
