"""Drives a running HTTPEngine server and validates every response byte stream with h11.

Usage: python3 h11_conformance.py PORT
Each check opens its own connection, sends requests (through h11 where h11 can express
them, raw bytes where the point is a malformed or unusual request) and feeds everything
the server returns to an h11 client connection, which raises on any protocol violation.
Exits non-zero if any check fails.
"""
import socket
import sys

import h11

PORT = int(sys.argv[1])
TIMEOUT = 10.0


class Client:
    def __init__(self):
        self.sock = socket.create_connection(("127.0.0.1", PORT), timeout=TIMEOUT)
        self.conn = h11.Connection(our_role=h11.CLIENT, max_incomplete_event_size=64 * 1024)

    def send(self, *events, raw=None):
        """Records events in h11's state; sends their bytes, or `raw` instead when given."""
        data = b"".join(self.conn.send(event) or b"" for event in events)
        self.sock.sendall(raw if raw is not None else data)

    def next_event(self):
        while True:
            event = self.conn.next_event()
            if event is h11.NEED_DATA:
                chunk = self.sock.recv(65536)
                self.conn.receive_data(chunk)
                continue
            return event

    def response(self):
        """Reads one final response (skipping 1xx); returns (status, headers, body)."""
        status, headers, body = None, None, b""
        while True:
            event = self.next_event()
            if isinstance(event, h11.InformationalResponse):
                continue
            if isinstance(event, h11.Response):
                status, headers = event.status_code, dict(event.headers)
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                return status, headers, body
            elif isinstance(event, h11.ConnectionClosed):
                raise AssertionError("connection closed before the response ended")

    def expect_closed(self):
        # h11 must agree the server is closing, and the socket must reach EOF.
        assert self.conn.their_state in (h11.MUST_CLOSE, h11.CLOSED), self.conn.their_state
        while self.sock.recv(65536):
            pass

    def next_cycle(self):
        self.conn.start_next_cycle()

    def close(self):
        self.sock.close()


def request(method, target, headers=(), body=None):
    headers = [("Host", "conformance")] + list(headers)
    if body is not None and not any(name.lower() in ("content-length", "transfer-encoding") for name, _ in headers):
        headers.append(("Content-Length", str(len(body))))
    return h11.Request(method=method, target=target, headers=headers)


def check_get_keep_alive():
    client = Client()
    for _ in range(3):
        client.send(request("GET", "/"), h11.EndOfMessage())
        status, _, body = client.response()
        assert status == 200 and body == b"Hello, world!", (status, body)
        client.next_cycle()
    client.close()


def check_head():
    client = Client()
    client.send(request("HEAD", "/"), h11.EndOfMessage())
    status, headers, body = client.response()
    assert status == 200 and body == b"" and headers.get(b"content-length") == b"13", (status, headers, body)
    client.next_cycle()
    client.send(request("GET", "/"), h11.EndOfMessage())
    assert client.response()[2] == b"Hello, world!"
    client.close()


def check_post_content_length():
    client = Client()
    payload = b"x" * 100_000
    client.send(request("POST", "/echo", body=payload), h11.Data(data=payload), h11.EndOfMessage())
    status, _, body = client.response()
    assert status == 200 and body == payload, (status, len(body))
    client.close()


def check_post_chunked():
    client = Client()
    client.send(
        request("POST", "/echo", headers=[("Transfer-Encoding", "chunked")]),
        h11.Data(data=b"hello "), h11.Data(data=b"chunked "), h11.Data(data=b"world"), h11.EndOfMessage(),
    )
    status, _, body = client.response()
    assert status == 200 and body == b"hello chunked world", (status, body)
    client.close()


def check_chunked_response():
    client = Client()
    client.send(request("GET", "/stream"), h11.EndOfMessage())
    status, headers, body = client.response()
    assert status == 200 and headers.get(b"transfer-encoding") == b"chunked", headers
    assert body == b"part 0\npart 1\npart 2\n", body
    client.close()


def check_pipelining():
    client = Client()
    raw = b"".join(
        b"POST /echo HTTP/1.1\r\nHost: c\r\nContent-Length: 1\r\n\r\n" + str(index).encode() for index in range(5)
    )
    client.sock.sendall(raw)
    for index in range(5):
        client.send(request("POST", "/echo", body=b"."), h11.Data(data=b"."), h11.EndOfMessage(), raw=b"")
        status, _, body = client.response()
        assert status == 200 and body == str(index).encode(), (index, status, body)
        client.next_cycle()
    client.close()


def check_expect_continue():
    client = Client()
    payload = b"after continue"
    client.send(request("POST", "/echo", headers=[("Expect", "100-continue")], body=payload))
    event = client.next_event()
    assert isinstance(event, h11.InformationalResponse) and event.status_code == 100, event
    client.send(h11.Data(data=payload), h11.EndOfMessage())
    status, _, body = client.response()
    assert status == 200 and body == payload, (status, body)
    client.close()


def check_connection_close():
    client = Client()
    client.send(request("GET", "/", headers=[("Connection", "close")]), h11.EndOfMessage())
    status, headers, _ = client.response()
    assert status == 200 and headers.get(b"connection") == b"close", headers
    client.expect_closed()
    client.close()


def check_http10():
    client = Client()
    client.send(request("GET", "/"), h11.EndOfMessage(), raw=b"GET / HTTP/1.0\r\n\r\n")
    status, headers, body = client.response()
    assert status == 200 and body == b"Hello, world!", (status, body)
    client.expect_closed()
    client.close()


def bad_request(raw, expected_status):
    def check():
        client = Client()
        client.send(request("GET", "/"), h11.EndOfMessage(), raw=raw)
        status, headers, _ = client.response()
        assert status == expected_status, (status, expected_status)
        assert headers.get(b"connection") == b"close", headers
        client.expect_closed()
        client.close()
    check.__name__ = f"check_bad_request_{expected_status}_{raw[:24]!r}"
    return check


def check_python_http_client():
    import http.client
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=TIMEOUT)
    for _ in range(3):
        connection.request("GET", "/")
        response = connection.getresponse()
        assert response.status == 200 and response.read() == b"Hello, world!"
    connection.request("POST", "/echo", body=b"from http.client")
    response = connection.getresponse()
    assert response.read() == b"from http.client"
    connection.request("GET", "/stream")
    response = connection.getresponse()
    assert response.read() == b"part 0\npart 1\npart 2\n"
    connection.request("HEAD", "/")
    response = connection.getresponse()
    assert response.status == 200 and response.read() == b""
    connection.close()


CHECKS = [
    check_python_http_client,
    check_get_keep_alive,
    check_head,
    check_post_content_length,
    check_post_chunked,
    check_chunked_response,
    check_pipelining,
    check_expect_continue,
    check_connection_close,
    check_http10,
    bad_request(b"NOT A REQUEST\r\n\r\n", 400),
    bad_request(b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400),
    bad_request(b"GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n folded\r\n\r\n", 400),
    bad_request(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    bad_request(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
    bad_request(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
    bad_request(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
    bad_request(b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    bad_request(b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"b" * 40000 + b"\r\n\r\n", 431),
    bad_request(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999\r\n\r\n", 413),
    bad_request(b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
]


def main():
    failures = 0
    for check in CHECKS:
        try:
            check()
            print(f"ok    {check.__name__}")
        except Exception as error:  # any h11 protocol error or assertion is a failure
            failures += 1
            print(f"FAIL  {check.__name__}: {type(error).__name__}: {error}")
    print(f"{len(CHECKS) - failures}/{len(CHECKS)} conformance checks passed")
    sys.exit(1 if failures else 0)


main()
