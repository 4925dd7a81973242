#!/usr/bin/env python3
"""Makes a lab podman service look like a machine of another architecture.

    arch_proxy.py --listen SOCK --upstream SOCK --arch ARCH[/VARIANT]
    arch_proxy.py --tcp-listen PORT --tcp-upstream PORT

`podman farm build` takes each node's platform only from /libpod/info
(host.arch, host.variant). On one machine every lab service reports amd64, so
for the farm baseline each one sits behind this proxy, which rewrites those
two fields; every other request passes untouched. Each connection carries one
request: "Connection: close" is set both ways, so clients open a new
connection for the next one.

--tcp-*: a plain TCP relay (the registry on port 443 for `farm build`, which
refuses HOST:PORT tags, podman #25039).
"""
import argparse
import asyncio
import json
import os
import re
import signal


def with_close(head):
    lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")]
    return b"\r\n".join(lines[:1] + [b"Connection: close"] + lines[1:])


def dechunk(body):
    out, rest = b"", body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out, rest = out + rest[:size], rest[size + 2:]
    return out


async def pipe(reader, writer):
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        try:
            writer.write_eof()
        except (OSError, RuntimeError):
            pass


class InfoProxy:
    def __init__(self, upstream, arch):
        self.upstream = upstream
        self.arch, _, self.variant = arch.partition("/")

    async def handle(self, client_r, client_w):
        try:
            head = await client_r.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            client_w.close()
            return
        target = head.split(b" ", 2)[1].decode(errors="replace")
        up_r, up_w = await asyncio.open_unix_connection(self.upstream)
        up_w.write(with_close(head))
        upload = asyncio.create_task(pipe(client_r, up_w))
        if re.search(r"/info(\?|$)", target):
            response = await up_r.read()
            rhead, _, body = response.partition(b"\r\n\r\n")
            if b"transfer-encoding: chunked" in rhead.lower():
                body = dechunk(body)
            info = json.loads(body)
            info["host"]["arch"], info["host"]["variant"] = self.arch, self.variant
            body = json.dumps(info).encode()
            status = rhead.split(b"\r\n", 1)[0]
            client_w.write(status + b"\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                           b"Connection: close\r\n\r\n" % len(body) + body)
        else:
            rhead = await up_r.readuntil(b"\r\n\r\n")
            client_w.write(with_close(rhead))
            await pipe(up_r, client_w)
        await client_w.drain()
        upload.cancel()
        client_w.close()
        up_w.close()


async def relay(upstream_port, client_r, client_w):
    up_r, up_w = await asyncio.open_connection("127.0.0.1", upstream_port)
    await asyncio.gather(pipe(client_r, up_w), pipe(up_r, client_w))
    client_w.close()
    up_w.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen")
    parser.add_argument("--upstream")
    parser.add_argument("--arch")
    parser.add_argument("--tcp-listen", type=int)
    parser.add_argument("--tcp-upstream", type=int)
    args = parser.parse_args()
    if args.tcp_listen:
        server = await asyncio.start_server(lambda r, w: relay(args.tcp_upstream, r, w), "127.0.0.1", args.tcp_listen)
    else:
        if os.path.exists(args.listen):
            os.unlink(args.listen)
        server = await asyncio.start_unix_server(InfoProxy(args.upstream, args.arch).handle, args.listen)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
