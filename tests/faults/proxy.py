#!/usr/bin/env python3
"""A fault-injecting proxy in front of a real podman API socket.

    proxy.py --listen SOCK --upstream SOCK [--log FILE] [--rule 'METHOD PATH ACTION [ARG] [TIMES]']...

Every HTTP request (podman-multiarch opens one connection per request) is read
up to the end of its headers. The first rule whose METHOD ("*": any) and PATH
(a regex searched in the request target) match, and that still has TIMES left
(default: always), decides:

    pass                  forward untouched (also when no rule matches)
    refuse                close the connection at once, nothing read or sent
    reset-upload N        forward the headers and N body bytes, then reset both sides
    reset-response N      forward the request, relay N response bytes, then reset
    truncate N            like reset-response, but a clean close (FIN) after N bytes
    stall SECONDS         read the request, answer nothing for SECONDS, then close
    stall-upload SECONDS  forward the headers and 64 KiB of the body, then hold the
                          upload (stop reading) for SECONDS, then close
    status CODE           answer CODE with a libpod-style JSON error, upstream untouched
    garbage               answer bytes that are not HTTP

Each decision is appended to --log as "ACTION METHOD PATH", so tests can see
that the fault fired. Stops on SIGTERM.
"""
import argparse
import asyncio
import os
import re
import signal
import socket
import struct
import sys


class Rule:
    def __init__(self, text):
        parts = text.split()
        if len(parts) < 3:
            raise SystemExit(f"bad rule: {text!r}")
        self.method = parts[0]
        self.pattern = re.compile(parts[1])
        self.action = parts[2]
        self.arg = parts[3] if len(parts) > 3 and self.action not in ("pass", "refuse", "garbage") else None
        rest = parts[4:] if self.arg is not None else parts[3:]
        self.times = int(rest[0]) if rest else -1

    def take(self, method, path):
        if self.times == 0 or self.method not in ("*", method) or not self.pattern.search(path):
            return False
        if self.times > 0:
            self.times -= 1
        return True


def reset(writer):
    """Close with RST instead of FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    writer.close()


async def pipe(reader, writer, limit=None):
    """Copies until EOF, or until `limit` bytes; returns the bytes copied."""
    copied = 0
    while limit is None or copied < limit:
        chunk = await reader.read(65536 if limit is None else min(65536, limit - copied))
        if not chunk:
            break
        writer.write(chunk)
        await writer.drain()
        copied += len(chunk)
    return copied


class Proxy:
    def __init__(self, upstream, rules, log):
        self.upstream = upstream
        self.rules = rules
        self.log = log

    def note(self, action, line):
        if self.log:
            with open(self.log, "a") as f:
                f.write(f"{action} {line}\n")

    async def handle(self, client_reader, client_writer):
        try:
            head = await client_reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            client_writer.close()
            return
        first = head.split(b"\r\n", 1)[0].decode("latin-1")
        method, path = (first.split(" ") + ["", ""])[:2]
        line = f"{method} {path}"
        rule = next((r for r in self.rules if r.take(method, path)), None)
        action = rule.action if rule else "pass"
        arg = rule.arg if rule else None
        self.note(action, line)
        try:
            await self.act(action, arg, head, client_reader, client_writer)
        except (ConnectionError, asyncio.IncompleteReadError, BrokenPipeError):
            pass
        finally:
            if not client_writer.is_closing():
                client_writer.close()

    async def act(self, action, arg, head, client_reader, client_writer):
        if action == "refuse":
            reset(client_writer)
            return
        if action == "status":
            code = int(arg)
            body = ('{"cause":"injected by the fault proxy","message":"injected HTTP %d","response":%d}' % (code, code)).encode()
            client_writer.write(b"HTTP/1.1 %d Injected\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                                b"Connection: close\r\n\r\n%s" % (code, len(body), body))
            await client_writer.drain()
            return
        if action == "garbage":
            client_writer.write(b"\x00\xffnot http at all\r\n\r\n\x01\x02")
            await client_writer.drain()
            return
        if action == "stall":
            await asyncio.sleep(float(arg))
            return
        if action == "stall-upload":
            up_reader, up_writer = await asyncio.open_unix_connection(self.upstream)
            up_writer.write(head)
            await pipe(client_reader, up_writer, 65536)
            await asyncio.sleep(float(arg))
            reset(up_writer)
            return
        up_reader, up_writer = await asyncio.open_unix_connection(self.upstream)
        up_writer.write(head)
        if action == "reset-upload":
            await pipe(client_reader, up_writer, int(arg))
            reset(up_writer)
            reset(client_writer)
            return
        upload = asyncio.ensure_future(pipe(client_reader, up_writer))
        if action in ("reset-response", "truncate"):
            await pipe(up_reader, client_writer, int(arg))
            upload.cancel()
            reset(up_writer)
            if action == "reset-response":
                reset(client_writer)
            else:
                client_writer.close()
            return
        await pipe(up_reader, client_writer)
        upload.cancel()
        up_writer.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--log")
    parser.add_argument("--rule", action="append", default=[])
    args = parser.parse_args()
    proxy = Proxy(args.upstream, [Rule(r) for r in args.rule], args.log)
    if os.path.exists(args.listen):
        os.unlink(args.listen)
    server = await asyncio.start_unix_server(proxy.handle, path=args.listen, limit=1 << 20)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
