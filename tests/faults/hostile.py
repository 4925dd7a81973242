#!/usr/bin/env python3
"""A hostile (or broken) libpod service on a Unix socket, for tests.

    hostile.py --listen SOCK --mode MODE [--log FILE]

It answers like a minimal podman 4.3.1 (/_ping with its headers, /version,
/info, an empty image list, 404 for images and lists it does not have) except
where MODE makes it misbehave:

    ok                   nothing hostile (a baseline)
    ping-endless         /_ping: 200, then a body that never ends (no Content-Length)
    info-endless         /info: the same
    ping-huge-length     /_ping: claims Content-Length 10 GB, then sends as fast as it can
    info-huge-length     /info: the same
    info-200mb           /info: 200 MB of valid JSON (host.arch and host.os first)
    slowloris            /_ping: the answer one header byte every 2 s
    silent               accepts, reads the request, never answers
    stopped              listens but never accepts (a SIGSTOPped service: the
                         kernel completes connections into the backlog)
    build-endless-line   POST /libpod/build: reads the uploaded context, then a
                         stream line that never ends (no newline, ever)
    build-endless-text   POST /libpod/build: reads the uploaded context, then
                         short JSON lines whose log text never has a newline

Each request is appended to --log as "MODE METHOD TARGET". Stops on SIGTERM.
python3 standard library only.
"""
import argparse
import asyncio
import json
import os
import signal
import socket
import sys

API_VERSION = "4.3.1"
HOST_HEADERS = [
    ("Api-Version", "1.41"),
    ("Buildkit-Version", ""),
    ("Cache-Control", "no-cache"),
    ("Docker-Experimental", "true"),
    ("Libpod-Api-Version", API_VERSION),
    ("Libpod-Buildah-Version", "1.28.2"),
    ("Pragma", "no-cache"),
    ("Server", f"Libpod/{API_VERSION} (linux)"),
]
VERSION = {
    "Platform": {"Name": "linux/amd64/debian-12"},
    "Components": [{"Name": "Podman Engine", "Version": API_VERSION,
                    "Details": {"APIVersion": API_VERSION, "Arch": "amd64", "MinAPIVersion": "4.0.0", "Os": "linux"}}],
    "Version": API_VERSION, "ApiVersion": "1.41", "MinAPIVersion": "1.24", "Os": "linux", "Arch": "amd64",
}
INFO = {
    "host": {"arch": "amd64", "os": "linux", "buildahVersion": "1.28.2", "cgroupVersion": "v1", "cpus": 2,
             "distribution": {"distribution": "debian", "version": "12", "codename": "bookworm"},
             "hostname": "hostile", "kernel": "6.1.0-hostile", "ociRuntime": {"name": "runc"},
             "remoteSocket": {"exists": True}, "serviceIsRemote": False},
    "store": {"graphDriverName": "overlay", "imageStore": {"number": 0}},
    "registries": {},
    "version": {"APIVersion": API_VERSION, "Version": API_VERSION, "OsArch": "linux/amd64", "Os": "linux"},
}
CHUNK = b"x" * 65536


def head(status, reason, headers, length=None):
    lines = [f"HTTP/1.1 {status} {reason}"] + [f"{k}: {v}" for k, v in HOST_HEADERS + headers]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def send_json(writer, value, status=200, reason="OK"):
    body = json.dumps(value).encode()
    writer.write(head(status, reason, [("Content-Type", "application/json")], len(body)) + body)
    await writer.drain()


async def not_found(writer, what):
    await send_json(writer, {"cause": f"{what} not known", "message": f"{what}: not known", "response": 404},
                    404, "Not Found")


async def endless(writer, limit=None):
    """Writes as fast as the client reads, until it goes away (or `limit` bytes)."""
    sent = 0
    while limit is None or sent < limit:
        writer.write(CHUNK)
        await writer.drain()
        sent += len(CHUNK)


async def read_body(reader, headers):
    """Reads (and drops) a request body: Content-Length or chunked."""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                    pass
                return
            await reader.readexactly(size + 2)
    length = int(headers.get("content-length", "0") or 0)
    while length > 0:
        chunk = await reader.read(min(length, 65536))
        if not chunk:
            return
        length -= len(chunk)


class Service:
    def __init__(self, mode, log):
        self.mode = mode
        self.log = log

    def note(self, line):
        if self.log:
            with open(self.log, "a") as f:
                f.write(f"{self.mode} {line}\n")

    async def handle(self, reader, writer):
        try:
            raw = await reader.readuntil(b"\r\n\r\n")
            lines = raw.decode("latin-1").split("\r\n")
            method, target = (lines[0].split(" ") + ["", ""])[:2]
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    key, value = line.split(":", 1)
                    headers[key.strip().lower()] = value.strip()
            self.note(f"{method} {target}")
            await self.answer(method, target.split("?")[0], headers, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, BrokenPipeError,
                asyncio.CancelledError):
            pass
        finally:
            if not writer.is_closing():
                writer.close()

    async def answer(self, method, path, headers, reader, writer):
        mode = self.mode
        route = path.split("/libpod", 1)[1] if "/libpod/" in path else path
        if mode == "silent":
            await asyncio.sleep(3600)
            return
        if route == "/_ping":
            if mode == "slowloris":
                for byte in head(200, "OK", [("Content-Type", "text/plain; charset=utf-8")], 2) + b"OK":
                    writer.write(bytes([byte]))
                    await writer.drain()
                    await asyncio.sleep(2)
                return
            if mode == "ping-endless":
                writer.write(head(200, "OK", [("Content-Type", "text/plain; charset=utf-8")]))
                await endless(writer)
                return
            if mode == "ping-huge-length":
                writer.write(head(200, "OK", [("Content-Type", "text/plain; charset=utf-8")], 10 << 30))
                await endless(writer, 10 << 30)
                return
            writer.write(head(200, "OK", [("Content-Type", "text/plain; charset=utf-8")], 2) + b"OK")
            await writer.drain()
            return
        if route == "/info":
            if mode == "info-endless":
                writer.write(head(200, "OK", [("Content-Type", "application/json")]) + b'{"host":{"arch":"amd64","os":"linux","pad":"')
                await endless(writer)
                return
            if mode == "info-huge-length":
                writer.write(head(200, "OK", [("Content-Type", "application/json")], 10 << 30))
                await endless(writer, 10 << 30)
                return
            if mode == "info-200mb":
                prefix = b'{"host":{"arch":"amd64","os":"linux"},"pad":"'
                suffix = b'"}'
                size = 200 * 1000 * 1000
                writer.write(head(200, "OK", [("Content-Type", "application/json")], size) + prefix)
                await endless(writer, size - len(prefix) - len(suffix))
                writer.write(suffix)
                await writer.drain()
                return
            await send_json(writer, INFO)
            return
        if route == "/version":
            await send_json(writer, VERSION)
            return
        if route == "/build" and method == "POST":
            await read_body(reader, headers)
            writer.write(head(200, "OK", [("Content-Type", "application/json")]))
            writer.write(b'{"stream":"STEP 1/2: FROM scratch\\n"}\n')
            if mode == "build-endless-line":
                writer.write(b'{"stream":"')
                await endless(writer)
                return
            if mode == "build-endless-text":
                piece = b'{"stream":"' + b"y" * 4000 + b'"}\n'
                while True:
                    writer.write(piece * 16)
                    await writer.drain()
            writer.write(b'{"error":"the hostile service builds nothing","errorDetail":{"message":"the hostile service builds nothing"}}\n')
            await writer.drain()
            return
        if route == "/images/json":
            await send_json(writer, [])
            return
        if route.startswith("/images/") or route.startswith("/manifests/"):
            await not_found(writer, route)
            return
        await not_found(writer, f"route {route}")


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", required=True)
    parser.add_argument("--mode", default="ok")
    parser.add_argument("--log")
    args = parser.parse_args()
    if os.path.exists(args.listen):
        os.unlink(args.listen)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if args.mode == "stopped":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(args.listen)
        sock.listen(64)
        await stop.wait()
        sock.close()
        return
    service = Service(args.mode, args.log)
    server = await asyncio.start_unix_server(service.handle, path=args.listen, limit=1 << 20)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
