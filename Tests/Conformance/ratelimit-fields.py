"""Checks V3DemoServer's rate-limit fields against draft-ietf-httpapi-ratelimit-headers.

Usage: ratelimit-fields.py PORT MODE
  MODE quota:    sends GET / until a 429 arrives, checking every response on the way.
  MODE capacity: sends GET / as ever new X-Forwarded-For clients until a 503 arrives
                 (the server must trust 127.0.0.1 and have a small RATE_LIMIT_MAX_KEYS).

The fields are parsed by http-sfv, a Structured Field Values (RFC 9651) implementation that
shares nothing with the server, so a field our own tests read back wrongly still fails here.
Exits non-zero if any check fails.
"""
import http.client
import json
import sys

from http_sfv import List

PORT = int(sys.argv[1])
MODE = sys.argv[2]
TIMEOUT = 10.0
QUOTA_EXCEEDED = "https://iana.org/assignments/http-problem-types#quota-exceeded"
LIMITER_AT_CAPACITY = "tag:example.org,2026:rate-limit/limiter-at-capacity"

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def get(headers=None):
    """One GET / on a fresh connection: (status, {lower-case name: [values]}, body bytes)."""
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=TIMEOUT)
    try:
        connection.request("GET", "/", headers=headers or {})
        response = connection.getresponse()
        fields = {}
        for name, value in response.getheaders():
            fields.setdefault(name.lower(), []).append(value)
        return response.status, fields, response.read()
    finally:
        connection.close()


def parse_list(fields, name):
    """The field as an SF List, its lines joined as RFC 9651 Section 3.1 allows; None if absent."""
    if name not in fields:
        return None
    parsed = List()
    try:
        parsed.parse(", ".join(fields[name]).encode("ascii"))
    except ValueError as error:
        check(False, f"{name} is not a Structured Field List: {fields[name]!r} ({error})")
        return None
    return parsed


def is_integer(value):
    return isinstance(value, int) and not isinstance(value, bool)


def check_policy(fields, tag):
    """RateLimit-Policy (Section 3): a non-empty List of String Items with integer q and w."""
    policies = parse_list(fields, "ratelimit-policy")
    if policies is None:
        return {}
    check(len(policies) > 0, f"{tag}: RateLimit-Policy is an empty list")
    quotas = {}
    for item in policies:
        name = item.value
        if not check(isinstance(name, str), f"{tag}: policy item {name!r} is not a String"):
            continue
        q = item.params.get("q")
        check(is_integer(q) and q >= 0, f"{tag}: policy {name}: q={q!r} is not a non-negative Integer")
        w = item.params.get("w")
        check(w is None or (is_integer(w) and w > 0), f"{tag}: policy {name}: w={w!r} is not a positive Integer")
        qu = item.params.get("qu")
        check(qu is None or isinstance(qu, str), f"{tag}: policy {name}: qu={qu!r} is not a String")
        pk = item.params.get("pk")
        check(pk is None or isinstance(pk, bytes), f"{tag}: policy {name}: pk is not a Byte Sequence")
        quotas[name] = q
    return quotas


def check_service_limits(fields, quotas, tag):
    """RateLimit (Section 4): String Items with integer r, optional t >= 0; r <= q per policy."""
    limits = parse_list(fields, "ratelimit")
    if limits is None:
        return {}
    resets = {}
    for item in limits:
        name = item.value
        if not check(isinstance(name, str), f"{tag}: service limit item {name!r} is not a String"):
            continue
        r = item.params.get("r")
        check(is_integer(r) and r >= 0, f"{tag}: {name}: r={r!r} is not a non-negative Integer")
        t = item.params.get("t")
        check(t is None or (is_integer(t) and t >= 0), f"{tag}: {name}: t={t!r} is not a non-negative Integer")
        if name in quotas and is_integer(r) and is_integer(quotas[name]):
            check(r <= quotas[name], f"{tag}: {name}: r={r} exceeds q={quotas[name]}")
        resets[name] = (r, t)
    return resets


def check_legacy(fields, quotas, resets, tag):
    """X-RateLimit-*: plain non-negative integers that agree with the IETF fields when both are sent."""
    values = {}
    for name in ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"):
        if name in fields:
            text = fields[name][0]
            if check(text.isdigit(), f"{tag}: {name}: {text!r} is not a non-negative integer"):
                values[name] = int(text)
    if len(quotas) == 1 and len(resets) == 1 and "x-ratelimit-limit" in values:
        (q,), ((r, _),) = quotas.values(), resets.values()
        check(values["x-ratelimit-limit"] == q, f"{tag}: X-RateLimit-Limit {values['x-ratelimit-limit']} != q={q}")
        check(values.get("x-ratelimit-remaining") == r, f"{tag}: X-RateLimit-Remaining != r={r}")


def retry_after_seconds(fields, tag):
    values = fields.get("retry-after", [])
    if not check(len(values) == 1 and values[0].isdigit(), f"{tag}: Retry-After {values!r} is not one delay-seconds"):
        return None
    seconds = int(values[0])
    check(seconds >= 1, f"{tag}: Retry-After 0 invites an instant, equally refused retry")
    return seconds


def problem(fields, body, status, tag):
    """The body as a JSON object if it is application/problem+json with RFC 9457's members, else None."""
    if fields.get("content-type") != ["application/problem+json"]:
        return None
    try:
        document = json.loads(body)
    except ValueError as error:
        check(False, f"{tag}: problem body is not JSON: {error}")
        return None
    if not check(isinstance(document, dict), f"{tag}: problem body is not a JSON object"):
        return None
    check(isinstance(document.get("type"), str), f"{tag}: problem has no string type")
    check(isinstance(document.get("title"), str), f"{tag}: problem has no string title")
    check(document.get("status") == status, f"{tag}: problem status {document.get('status')!r} != {status}")
    return document


def run_quota():
    for number in range(1, 51):
        tag = f"request {number}"
        status, fields, body = get()
        quotas = check_policy(fields, tag)
        resets = check_service_limits(fields, quotas, tag)
        check_legacy(fields, quotas, resets, tag)
        if status == 200:
            continue
        check(status == 429, f"{tag}: expected 200 or 429, got {status}")
        retry_after = retry_after_seconds(fields, tag)
        check(bool(resets) or "x-ratelimit-limit" in fields or not fields.get("ratelimit-policy"),
              f"{tag}: 429 without the RateLimit field it advertised a policy for")
        for name, (r, t) in resets.items():
            check(r == 0, f"{tag}: refused with r={r} left")
            # Section 6: "the Retry-After field value SHOULD NOT reference a point in time
            # earlier than the reset parameter."
            if retry_after is not None and t is not None:
                check(retry_after >= t, f"{tag}: Retry-After {retry_after} is earlier than {name}'s t={t}")
        document = problem(fields, body, 429, tag)
        if document is not None:
            check(document.get("type") == QUOTA_EXCEEDED, f"{tag}: problem type {document.get('type')!r}")
            violated = document.get("violated-policies")
            check(isinstance(violated, list) and violated and all(isinstance(name, str) for name in violated),
                  f"{tag}: violated-policies {violated!r} is not a non-empty array of strings")
            for name in violated or []:
                check(name in resets or name in quotas, f"{tag}: violated policy {name!r} is not one the fields name")
        print(f"seen  429 after {number} requests: {fields.get('ratelimit', ['(no RateLimit)'])[0]}, Retry-After {retry_after}")
        return
    check(False, "no 429 within 50 requests")


def run_capacity():
    for number in range(1, 51):
        tag = f"client {number}"
        status, fields, body = get({"X-Forwarded-For": f"198.51.100.{number}"})
        if status == 200:
            continue
        check(status == 503, f"{tag}: expected 200 or 503, got {status}")
        retry_after = retry_after_seconds(fields, tag)
        for name in ("ratelimit", "ratelimit-policy", "x-ratelimit-remaining"):
            check(name not in fields, f"{tag}: 503 reports a quota ({name}) for a client that has no bucket")
        document = problem(fields, body, 503, tag)
        if check(document is not None, f"{tag}: 503 body is not application/problem+json"):
            check(document.get("type") == LIMITER_AT_CAPACITY, f"{tag}: problem type {document.get('type')!r}")
            check(document.get("retry_after") == retry_after, f"{tag}: body retry_after disagrees with Retry-After")
        print(f"seen  503 for {tag}: Retry-After {retry_after}")
        return
    check(False, "no 503 within 50 clients")


def main():
    {"quota": run_quota, "capacity": run_capacity}[MODE]()
    for failure in failures:
        print(f"FAIL  {failure}")
    print(f"ratelimit-fields {MODE}: {'FAILED' if failures else 'passed'}")
    sys.exit(1 if failures else 0)


main()
