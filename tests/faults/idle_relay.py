#!/usr/bin/env python3
"""A TCP relay that forgets idle connections, as a NAT or a stateful firewall
does: a connection that carried no byte either way for --idle seconds is
closed on both sides. Prints nothing; --log FILE records each drop."""
import argparse
import selectors
import socket
import threading
import time


def relay(client, upstream, idle, log):
    sel = selectors.DefaultSelector()
    sel.register(client, selectors.EVENT_READ, upstream)
    sel.register(upstream, selectors.EVENT_READ, client)
    last = time.monotonic()
    try:
        while True:
            events = sel.select(timeout=0.2)
            for key, _ in events:
                data = key.fileobj.recv(65536)
                if not data:
                    return
                key.data.sendall(data)
                last = time.monotonic()
            if time.monotonic() - last > idle:
                if log:
                    with open(log, "a") as f:
                        f.write(f"dropped after {idle}s idle\n")
                return
    except OSError:
        return
    finally:
        client.close()
        upstream.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", type=int, required=True, help="port on 127.0.0.1")
    parser.add_argument("--upstream", type=int, required=True, help="port on 127.0.0.1")
    parser.add_argument("--idle", type=float, required=True)
    parser.add_argument("--log")
    args = parser.parse_args()
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", args.listen))
    server.listen(16)
    while True:
        client, _ = server.accept()
        upstream = socket.create_connection(("127.0.0.1", args.upstream))
        threading.Thread(target=relay, args=(client, upstream, args.idle, args.log), daemon=True).start()


if __name__ == "__main__":
    main()
