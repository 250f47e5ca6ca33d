#!/usr/bin/env python3
"""Hostile clients for the soak run: every way of leaving a connection that a server must clean
up after, in turn, from a few threads, until a deadline.

Usage: hostile-clients.py HOST PORT SECONDS [THREADS=4]

Each action opens its own connection and does one of: connect and close at once; half a request
head, then close; a request, then close before reading; a POST that declares 1 MB and sends 64 KiB
before closing; garbage instead of a request (the proxy answers 400); 32 pipelined GETs read
slowly and dropped halfway; a reset (SO_LINGER 0) in the middle of a request. Prints how many of
each ran and how many connections were refused or failed unexpectedly: the soak's verdict uses
only the server's memory and descriptors, this output says the load ran.
"""
import random
import socket
import struct
import sys
import threading
import time

host, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
threads = int(sys.argv[4]) if len(sys.argv) > 4 else 4
deadline = time.monotonic() + seconds
counts = {}
lock = threading.Lock()


def connect():
    s = socket.create_connection((host, port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def close_at_once(s):
    pass


def half_head(s):
    s.sendall(b"GET /flaky HTTP/1.1\r\nHost: soak\r\nX-API-")


def close_before_reading(s):
    s.sendall(b"GET /flaky HTTP/1.1\r\nHost: soak\r\n\r\n")


def abandoned_upload(s):
    s.sendall(b"POST /upload HTTP/1.1\r\nHost: soak\r\nContent-Length: 1000000\r\n\r\n" + b"x" * 65536)


def garbage(s):
    s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(random.getrandbits(8) for _ in range(200)))
    s.recv(4096)


def pipelined_then_dropped(s):
    s.sendall(b"GET / HTTP/1.1\r\nHost: soak\r\n\r\n" * 32)
    s.recv(1024)
    time.sleep(0.05)
    s.recv(1024)


def reset_mid_request(s):
    s.sendall(b"GET /flaky HTTP/1.1\r\nHost: soak\r\n")
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


actions = [close_at_once, half_head, close_before_reading, abandoned_upload, garbage, pipelined_then_dropped, reset_mid_request]


def run():
    while time.monotonic() < deadline:
        action = random.choice(actions)
        name = action.__name__
        try:
            s = connect()
        except OSError:
            name = "connect failed"
        else:
            try:
                action(s)
            except OSError:
                pass  # the server may close first, which is its right
            finally:
                s.close()
        with lock:
            counts[name] = counts.get(name, 0) + 1
        time.sleep(0.002)


workers = [threading.Thread(target=run) for _ in range(threads)]
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
print("hostile clients:", ", ".join(f"{name} {count}" for name, count in sorted(counts.items())))
