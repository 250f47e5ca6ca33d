#!/usr/bin/env python3
"""Checks the Dockerfile and deploy/kubernetes against the proxy binary, without a cluster.

Usage: check-manifests.py --binary PATH [--root DIR]

What it checks, and where the truth comes from:
  - every manifest parses as YAML and names apiVersion, kind and metadata.name;
  - the proxy container's flags and environment variables are ones the binary knows (its
    `--help` output), and no variable is silently overridden by a flag on the command line;
  - probe paths and the Prometheus path exist in the admin handler
    (Sources/V5RateLimitProxy/Admin/AdminHandler.swift), readiness uses /readyz (the only
    endpoint that follows draining) and liveness does not (a Redis outage must not restart
    every pod);
  - probe and annotation ports are the admin port the binary will actually bind (flags beat
    variables beat the JSON file beat the default, as the binary decides), and neither
    listener is left on loopback where the kubelet cannot reach it;
  - terminationGracePeriodSeconds covers the preStop sleep, GRACEFUL_SHUTDOWN_TIMEOUT and the
    binary's clean-up after the drain;
  - Services select pods that exist and target ports those pods declare, none publishes the
    admin port outside the cluster; REDIS_ADDR names a Service that exists, on a port it serves;
  - kustomization.yaml lists every manifest;
  - the ConfigMap's JSON passes the binary's own `--check-config`, alone and with the
    container's full command line and environment.
Then it breaks the manifests in memory, one way at a time, and expects each to be rejected:
a checker that passes everything proves nothing.

PyYAML is the one dependency (Debian: python3-yaml).
"""
import argparse
import copy
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:
    sys.exit("check-manifests: PyYAML is missing (Debian: apt-get install python3-yaml)")

PROXY_IMAGE = "rate-limit-proxy"
# After the drain the binary closes the admin listener and the upstream client (1 s grace each)
# and the Redis pool; the grace period must leave it that long before SIGKILL.
CLEANUP_SECONDS = 3
# The binary's defaults (ProxyConfiguration.swift), used when nothing sets a value.
DEFAULTS = {"--listen": "127.0.0.1:8080", "--admin": "127.0.0.1:9090", "--shutdown-timeout": "10s"}
# The JSON file's field for each flag whose value the checks need.
FILE_FIELDS = {"--listen": "listen", "--admin": "admin", "--shutdown-timeout": "gracefulShutdownTimeout"}
SECRET_PLACEHOLDER = "placeholder-for-check-config"


class Problems:
    """Collects failures, so one run reports all of them."""

    def __init__(self):
        self.items = []

    def add(self, where, message):
        self.items.append(f"{where}: {message}")


# ---------------------------------------------------------------------------------------------
# What the binary knows


def read_help(binary):
    """Flag → environment variables, from `--help` (`  --flag <value>  [VAR, VAR]`)."""
    output = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=60, check=True).stdout
    flags = {}
    for match in re.finditer(r"^  (--[a-z-]+)(?: <value>  \[([A-Z0-9_, ]*)\])?$", output, re.MULTILINE):
        flags[match.group(1)] = [name.strip() for name in (match.group(2) or "").split(",") if name.strip()]
    if "--admin" not in flags or "--config" not in flags:
        raise SystemExit(f"check-manifests: cannot read the flags from `{binary} --help`")
    return flags


def admin_paths(root):
    """The paths the admin handler answers: its `case "/…":` labels."""
    with open(os.path.join(root, "Sources/V5RateLimitProxy/Admin/AdminHandler.swift")) as file:
        paths = set(re.findall(r'case\s+"(/[^"]*)"\s*:', file.read()))
    if not {"/healthz", "/readyz", "/metrics"} <= paths:
        raise SystemExit(f"check-manifests: the admin handler's paths look unreadable: {sorted(paths)}")
    return paths


def parse_duration(text):
    """Seconds in a duration the binary accepts: 500ms, 10s, 5m, 1h or a plain number."""
    for suffix, scale in (("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * scale
    return float(text)


def split_address(text):
    """host, port of `host:port` or `[v6]:port`."""
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


# ---------------------------------------------------------------------------------------------
# The Dockerfile


def read_dockerfile(root):
    """The final stage's ENTRYPOINT, CMD, EXPOSE, USER and STOPSIGNAL."""
    stage = {}
    with open(os.path.join(root, "Dockerfile")) as file:
        text = re.sub(r"\\\n", " ", file.read())
    for line in text.splitlines():
        words = line.strip().split(None, 1)
        if not words or words[0].startswith("#"):
            continue
        instruction, rest = words[0].upper(), (words[1] if len(words) > 1 else "")
        if instruction == "FROM":
            stage = {"FROM": rest}
        elif instruction in ("ENTRYPOINT", "CMD"):
            stage[instruction] = json.loads(rest) if rest.startswith("[") else ["/bin/sh", "-c", rest]
        elif instruction == "EXPOSE":
            stage.setdefault("EXPOSE", set()).update(int(port.split("/")[0]) for port in rest.split())
        elif instruction in ("USER", "STOPSIGNAL"):
            stage[instruction] = rest.strip()
    return stage


# ---------------------------------------------------------------------------------------------
# Manifests


def load_manifests(directory, problems):
    """Every document of every .yaml file, as (file name, document)."""
    documents = []
    names = sorted(name for name in os.listdir(directory) if name.endswith((".yaml", ".yml")))
    if not names:
        problems.add(directory, "no manifests")
    for name in names:
        try:
            with open(os.path.join(directory, name)) as file:
                loaded = [document for document in yaml.safe_load_all(file) if document is not None]
        except yaml.YAMLError as error:
            problems.add(name, f"not valid YAML: {error}")
            continue
        for document in loaded:
            if not isinstance(document, dict) or not document.get("apiVersion") or not document.get("kind"):
                problems.add(name, "a document without apiVersion and kind")
                continue
            if document["kind"] != "Kustomization" and not (document.get("metadata") or {}).get("name"):
                problems.add(name, f"a {document['kind']} without metadata.name")
                continue
            documents.append((name, document))
    return documents


def where(name, document, *path):
    return f"{name} {document['kind']}/{document.get('metadata', {}).get('name', '?')}" + "".join(f".{part}" for part in path)


def pod_templates(documents):
    for name, document in documents:
        if document["kind"] in ("Deployment", "StatefulSet", "DaemonSet"):
            yield name, document, document.get("spec", {}).get("template", {})


def resolve_port(port, container):
    """A probe's or Service's port (number or name) as a container port number, or None."""
    if isinstance(port, int):
        return port
    for declared in container.get("ports", []):
        if declared.get("name") == port:
            return declared.get("containerPort")
    return int(port) if str(port).isdigit() else None


def is_proxy(container):
    image = container.get("image", "")
    return image.rsplit("/", 1)[-1].split("@")[0].split(":")[0] == PROXY_IMAGE


def command_line(container, dockerfile):
    """The argv the container runs: command/args override ENTRYPOINT/CMD as Kubernetes does."""
    entrypoint = container.get("command", dockerfile.get("ENTRYPOINT", []))
    args = container.get("args", dockerfile.get("CMD", []) if "command" not in container else [])
    return list(entrypoint) + list(args)


def parse_flags(argv, flags, label, problems):
    """flag → value of the last occurrence (the binary's rule), checking each is known."""
    values = {}
    index = 1
    while index < len(argv):
        argument = argv[index]
        index += 1
        if argument in ("--help", "-h", "--check-config"):
            problems.add(label, f"{argument} on a serving container's command line")
            continue
        name, has_value, value = argument.partition("=")
        if name not in flags:
            problems.add(label, f"{argument!r} is not an option of the binary (see --help)")
            continue
        if not has_value:
            if index >= len(argv):
                problems.add(label, f"{name} needs a value")
                break
            value = argv[index]
            index += 1
        values[name] = value
    return values


def configmap_file(path, container, template, configmaps, label, problems):
    """The text of the ConfigMap key mounted at `path`, or None."""
    volumes = {volume.get("name"): volume for volume in template.get("spec", {}).get("volumes", [])}
    for mount in container.get("volumeMounts", []):
        directory = mount.get("mountPath", "").rstrip("/")
        volume = volumes.get(mount.get("name"), {})
        if "configMap" not in volume:
            continue
        data = configmaps.get(volume["configMap"].get("name"))
        if data is None:
            problems.add(label, f"volume {mount.get('name')} names ConfigMap {volume['configMap'].get('name')!r}, which no manifest defines")
            continue
        if mount.get("subPath"):
            if path == directory:
                return data.get(mount["subPath"])
            continue
        if path.startswith(directory + "/"):
            key = path[len(directory) + 1:]
            items = volume["configMap"].get("items")
            if items:
                key = next((item["key"] for item in items if item.get("path") == key), None)
            if key in data:
                return data[key]
    problems.add(label, f"--config {path} is not a key of a ConfigMap mounted in the container")
    return None


def effective(flag, flag_values, environment, file_values, flags):
    """A setting's value and where it came from: flag > variable > file > default."""
    if flag in flag_values:
        return flag_values[flag], flag
    for variable in flags[flag]:
        if variable in environment:
            return environment[variable], variable
    field = FILE_FIELDS.get(flag)
    if field and field in file_values:
        return file_values[field], f"config file {field}"
    return DEFAULTS[flag], "default"


def prestop_seconds(container, label, problems):
    pre_stop = container.get("lifecycle", {}).get("preStop")
    if not pre_stop:
        problems.add(label, "no lifecycle.preStop: SIGTERM would close the listener while endpoints still route to the pod")
        return 0
    if "sleep" in pre_stop:
        return int(pre_stop["sleep"].get("seconds", 0))
    command = pre_stop.get("exec", {}).get("command", [])
    if len(command) == 2 and os.path.basename(command[0]) == "sleep":
        return parse_duration(command[1])
    problems.add(label, f"preStop is neither a sleep handler nor exec sleep N: {pre_stop}")
    return 0


def check_proxy_container(name, document, template, container, context, problems):
    flags, paths, dockerfile, configmaps, services = (context[key] for key in ("flags", "paths", "dockerfile", "configmaps", "services"))
    label = where(name, document, "containers", container.get("name", "?"))
    known_variables = {variable for variables in flags.values() for variable in variables}

    argv = command_line(container, dockerfile)
    if not argv:
        problems.add(label, "no command: neither the container nor the Dockerfile's ENTRYPOINT starts the binary")
        return
    flag_values = parse_flags(argv, flags, label, problems)

    environment = {}
    for variable in container.get("env", []):
        variable_name = variable.get("name")
        if variable_name not in known_variables:
            problems.add(label, f"env {variable_name} is not a variable the binary reads (see --help)")
            continue
        environment[variable_name] = variable["value"] if "value" in variable else SECRET_PLACEHOLDER
        shadowing = next((flag for flag, variables in flags.items() if variable_name in variables and flag in flag_values), None)
        if shadowing:
            problems.add(label, f"env {variable_name} has no effect: the command line passes {shadowing}, and flags win")

    config_path = flag_values.get("--config") or next((environment[v] for v in flags["--config"] if v in environment), None)
    file_text, file_values = None, {}
    if config_path:
        file_text = configmap_file(config_path, container, template, configmaps, label, problems)
        if file_text is not None:
            try:
                file_values = json.loads(file_text)
            except ValueError as error:
                problems.add(label, f"the configuration file {config_path} is not valid JSON: {error}")
                file_text = None

    ports = {declared.get("containerPort") for declared in container.get("ports", [])}
    addresses = {}
    for flag in ("--listen", "--admin"):
        value, source = effective(flag, flag_values, environment, file_values, flags)
        host, port = split_address(value)
        addresses[flag] = port
        if host.startswith("127.") or host == "::1":
            problems.add(label, f"{flag} is {value} (from {source}): loopback, so neither the kubelet nor a Service can reach it")
        if port not in ports:
            problems.add(label, f"{flag} port {port} (from {source}) is not among the container's ports {sorted(p for p in ports if p)}")
    exposed = dockerfile.get("EXPOSE", set())
    if exposed and not set(addresses.values()) <= exposed:
        problems.add(label, f"the binary listens on {sorted(addresses.values())} but the Dockerfile exposes {sorted(exposed)}")

    for probe_name in ("readinessProbe", "livenessProbe", "startupProbe"):
        probe = container.get(probe_name)
        if probe is None:
            if probe_name != "startupProbe":
                problems.add(label, f"no {probe_name}")
            continue
        http = probe.get("httpGet")
        if not http:
            problems.add(label, f"{probe_name} is not an httpGet on the admin listener")
            continue
        path = http.get("path", "/").split("?")[0]
        if path not in paths:
            problems.add(label, f"{probe_name} path {path} is not an admin endpoint (the handler answers {sorted(paths)})")
        port = resolve_port(http.get("port"), container)
        if port != addresses["--admin"]:
            problems.add(label, f"{probe_name} port {http.get('port')!r} is {port}, not the admin port {addresses['--admin']}")
        if probe_name == "readinessProbe" and path != "/readyz":
            problems.add(label, f"readinessProbe uses {path}: only /readyz turns 503 while the pod drains")
        if probe_name == "livenessProbe" and path == "/readyz":
            problems.add(label, "livenessProbe uses /readyz: a fail-closed Redis outage would restart every pod")

    annotations = template.get("metadata", {}).get("annotations", {})
    if str(annotations.get("prometheus.io/scrape", "")).lower() == "true":
        if str(annotations.get("prometheus.io/port")) != str(addresses["--admin"]):
            problems.add(label, f"prometheus.io/port {annotations.get('prometheus.io/port')} is not the admin port {addresses['--admin']}")
        if annotations.get("prometheus.io/path", "/metrics") not in paths:
            problems.add(label, f"prometheus.io/path {annotations.get('prometheus.io/path')} is not an admin endpoint")

    pre_stop = prestop_seconds(container, label, problems)
    timeout_text, timeout_source = effective("--shutdown-timeout", flag_values, environment, file_values, flags)
    timeout = parse_duration(timeout_text)
    grace = template.get("spec", {}).get("terminationGracePeriodSeconds", 30)
    needed = pre_stop + timeout + CLEANUP_SECONDS
    if grace < needed:
        problems.add(label, f"terminationGracePeriodSeconds {grace} does not cover preStop {pre_stop:g}s + "
                            f"shutdown timeout {timeout:g}s (from {timeout_source}) + clean-up {CLEANUP_SECONDS}s = {needed:g}s")

    pod_security = template.get("spec", {}).get("securityContext", {})
    user = dockerfile.get("USER", "").split(":")[0]
    if pod_security.get("runAsNonRoot") and "runAsUser" not in pod_security and not (user.isdigit() and int(user) != 0):
        problems.add(label, f"runAsNonRoot with the image's USER {user or '(root)'}: the kubelet needs a numeric non-root user")

    redis = environment.get("REDIS_ADDR") or flag_values.get("--redis") or (file_values.get("store") or {}).get("redis")
    if redis:
        match = re.match(r"^(?:redis://)?(?:[^@/]*@)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?", redis)
        host, port = match.group(1), int(match.group(2) or 6379)
        service = services.get(host.split(".")[0])
        if service is None:
            problems.add(label, f"REDIS_ADDR host {host} is not a Service in the manifests")
        elif port not in {declared.get("port") for declared in service.get("spec", {}).get("ports", [])}:
            problems.add(label, f"REDIS_ADDR port {port} is not a port of Service {host}")

    context["check_config_runs"].append((label, config_path, file_text, argv, environment))
    context["admin_targets"].append((template.get("metadata", {}).get("labels") or {}, container, addresses["--admin"]))


def check_services(documents, admin_targets, problems):
    templates = [(name, document, template) for name, document, template in pod_templates(documents)]
    for name, document in documents:
        if document["kind"] != "Service":
            continue
        selector = document.get("spec", {}).get("selector") or {}
        matching = [template for _, _, template in templates
                    if selector and selector.items() <= (template.get("metadata", {}).get("labels") or {}).items()]
        if not matching:
            problems.add(where(name, document), f"selector {selector} matches no pod template in the manifests")
            continue
        for port in document.get("spec", {}).get("ports", []):
            target = port.get("targetPort", port.get("port"))
            containers = [c for template in matching for c in template.get("spec", {}).get("containers", [])]
            if not any(resolve_port(target, container) in {p.get("containerPort") for p in container.get("ports", [])} for container in containers):
                problems.add(where(name, document, "ports"), f"targetPort {target!r} is not a port of the selected pods")
            # A ClusterIP Service on the admin port is fine (a ServiceMonitor needs one); one
            # reachable from outside the cluster would publish /explain and /metrics.
            public = document.get("spec", {}).get("type") in ("NodePort", "LoadBalancer") or document.get("spec", {}).get("externalIPs")
            for labels, container, admin_port in admin_targets:
                if public and selector.items() <= labels.items() and resolve_port(target, container) == admin_port:
                    problems.add(where(name, document, "ports"), f"publishes the proxy's admin port {admin_port} outside the cluster ({document['spec'].get('type') or 'externalIPs'})")
    for name, document, template in templates:
        selector = document.get("spec", {}).get("selector", {}).get("matchLabels", {})
        if not selector.items() <= (template.get("metadata", {}).get("labels") or {}).items():
            problems.add(where(name, document), "spec.selector does not match the pod template's labels")


def check_kustomization(documents, problems):
    files = {name for name, document in documents if document["kind"] != "Kustomization"}
    for name, document in documents:
        if document["kind"] == "Kustomization":
            missing = sorted(files - set(document.get("resources", [])))
            if missing:
                problems.add(name, f"resources leave out {', '.join(missing)}: `kubectl apply -k` would not apply them")


def check(documents, context):
    problems = Problems()
    context.update(check_config_runs=[], admin_targets=[])
    context["configmaps"] = {document["metadata"]["name"]: document.get("data", {}) for _, document in documents if document["kind"] == "ConfigMap"}
    context["services"] = {document["metadata"]["name"]: document for _, document in documents if document["kind"] == "Service"}
    if context["dockerfile"].get("STOPSIGNAL", "SIGTERM") not in ("SIGTERM", "15"):
        problems.add("Dockerfile", f"STOPSIGNAL {context['dockerfile']['STOPSIGNAL']}: the binary drains on SIGTERM")
    proxies = 0
    for name, document, template in pod_templates(documents):
        for container in template.get("spec", {}).get("containers", []):
            if is_proxy(container):
                proxies += 1
                check_proxy_container(name, document, template, container, context, problems)
    if proxies == 0:
        problems.add("deploy/kubernetes", f"no container runs the {PROXY_IMAGE} image")
    check_services(documents, context["admin_targets"], problems)
    check_kustomization(documents, problems)
    return problems


def run_check_config(binary, runs, problems, quiet=False):
    """The binary's own verdict on each proxy container's configuration file and environment."""
    for label, config_path, file_text, argv, environment in runs:
        if file_text is None:
            continue
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, os.path.basename(config_path))
            with open(path, "w") as file:
                file.write(file_text)
            clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
            arguments = [path if argument == config_path else argument for argument in argv[1:]]
            attempts = [
                ("the file alone", [binary, "--check-config", "--config", path], clean),
                ("the container's command line and environment", [binary, *arguments, "--check-config"], {**clean, **environment}),
            ]
            for description, command, env in attempts:
                result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
                if not quiet:
                    shown = " ".join(shlex.quote(part) for part in command).replace(directory, "$TMP")
                    print(f"  --check-config, {description}: {shown}\n    exit {result.returncode}: {(result.stdout + result.stderr).strip()}")
                if result.returncode != 0:
                    problems.add(label, f"--check-config with {description} exits {result.returncode}: {(result.stdout + result.stderr).strip()}")


# ---------------------------------------------------------------------------------------------
# Self-test: each of these breaks one thing, and the checks must notice.


def proxy_container(documents):
    for _, _, template in pod_templates(documents):
        for container in template["spec"]["containers"]:
            if is_proxy(container):
                return template, container
    raise SystemExit("check-manifests: no proxy container to break")


def break_probe_path(documents):
    proxy_container(documents)[1]["readinessProbe"]["httpGet"]["path"] = "/ready"


def break_probe_port(documents):
    proxy_container(documents)[1]["livenessProbe"]["httpGet"]["port"] = "http"


def break_variable_name(documents):
    proxy_container(documents)[1]["env"].append({"name": "RATE_LIMIT_RSP", "value": "5"})


def break_grace_period(documents):
    proxy_container(documents)[0]["spec"]["terminationGracePeriodSeconds"] = 12


def break_shadowed_variable(documents):
    proxy_container(documents)[1]["env"].append({"name": "ADMIN_ADDR", "value": "0.0.0.0:9191"})


def break_liveness_on_readyz(documents):
    proxy_container(documents)[1]["livenessProbe"]["httpGet"]["path"] = "/readyz"


def break_missing_prestop(documents):
    del proxy_container(documents)[1]["lifecycle"]


def break_service_target(documents):
    service = next(document for _, document in documents if document["kind"] == "Service" and document["metadata"]["name"] == "rate-limit-proxy")
    service["spec"]["ports"][0]["targetPort"] = "https"


def break_redis_service(documents):
    variable = next(v for v in proxy_container(documents)[1]["env"] if v["name"] == "REDIS_ADDR")
    variable["value"] = "redis://redis-primary:6379/0"


def break_config_file(documents):
    configmap = next(document for _, document in documents if document["kind"] == "ConfigMap")
    key = next(iter(configmap["data"]))
    configuration = json.loads(configmap["data"][key])
    configuration["routes"][0]["path"] = "search"
    configmap["data"][key] = json.dumps(configuration)


def break_public_admin_port(documents):
    service = next(document for _, document in documents if document["kind"] == "Service" and document["metadata"]["name"] == "rate-limit-proxy")
    service["spec"]["type"] = "LoadBalancer"
    service["spec"]["ports"].append({"name": "admin", "port": 9090, "targetPort": "admin"})


def break_loopback_admin(documents):
    proxy_container(documents)[1]["args"] = ["--config", "/etc/rate-limit-proxy/config.json", "--admin", "127.0.0.1:9090"]


BREAKAGES = [break_probe_path, break_probe_port, break_variable_name, break_grace_period, break_shadowed_variable,
             break_liveness_on_readyz, break_missing_prestop, break_service_target, break_redis_service,
             break_config_file, break_public_admin_port, break_loopback_admin]


def self_test(binary, documents, context):
    missed = []
    for breakage in BREAKAGES:
        broken = copy.deepcopy(documents)
        breakage(broken)
        scratch = dict(context)
        problems = check(broken, scratch)
        run_check_config(binary, scratch["check_config_runs"], problems, quiet=True)
        if not problems.items:
            missed.append(breakage.__name__)
        else:
            print(f"  {breakage.__name__}: rejected ({problems.items[0]})")
    return missed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True, help="a built V5RateLimitProxy")
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    options = parser.parse_args()

    problems = Problems()
    manifests = os.path.join(options.root, "deploy/kubernetes")
    documents = load_manifests(manifests, problems)
    context = {"flags": read_help(options.binary), "paths": admin_paths(options.root), "dockerfile": read_dockerfile(options.root)}
    print(f"manifests: {len(documents)} documents in {manifests}: " + ", ".join(f"{d['kind']}/{d['metadata']['name']}" for _, d in documents if d["kind"] != "Kustomization"))
    print(f"binary: {len(context['flags'])} options, {sum(len(v) for v in context['flags'].values())} variables; admin paths {sorted(context['paths'])}")
    print(f"Dockerfile: ENTRYPOINT {context['dockerfile'].get('ENTRYPOINT')}, EXPOSE {sorted(context['dockerfile'].get('EXPOSE', []))}")
    result = check(documents, context)
    problems.items += result.items
    print("configuration file, checked by the binary:")
    run_check_config(options.binary, context["check_config_runs"], problems)
    if problems.items:
        print(f"\nFAILED: {len(problems.items)} problem(s)")
        for item in problems.items:
            print(f"  - {item}")
        return 1
    print("manifests: ok")

    print(f"self-test: {len(BREAKAGES)} broken variants of the manifests")
    missed = self_test(options.binary, documents, {key: context[key] for key in ("flags", "paths", "dockerfile")})
    if missed:
        print(f"\nFAILED: the checks accepted broken manifests: {', '.join(missed)}")
        return 1
    print("self-test: ok, every broken variant rejected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
