#!/usr/bin/env python3
"""Checks that the Dockerfile's build stage gets every file SwiftPM needs, without Docker.

Usage: check-build-context.py [--root DIR]

It rebuilds, in a temporary directory, what the build stage would see: the repository's files
minus .dockerignore's patterns (Docker's rules: `*`, `?`, `**`, a pattern covering a folder
covers its contents, `!` re-includes, the last match wins), then only what the stage's COPY
lines take. `swift package describe` must load the package there: SwiftPM checks the folder of
every target, not only the product being built, so a folder left out (Tests, Tools) fails the
image build at its first `swift build`. Then it leaves each COPY out in turn and expects
`describe` to fail, so the check is known to notice a missing folder.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile


def ignore_rules(root):
    """(regex, excludes?) for each .dockerignore pattern, in order."""
    rules = []
    path = os.path.join(root, ".dockerignore")
    if not os.path.exists(path):
        return rules
    with open(path) as file:
        for line in file:
            pattern = line.strip()
            if not pattern or pattern.startswith("#"):
                continue
            excludes = not pattern.startswith("!")
            pattern = os.path.normpath(pattern.lstrip("!").strip()).lstrip("/")
            regex = ""
            index = 0
            while index < len(pattern):
                if pattern.startswith("**/", index):
                    regex += "(?:.*/)?"
                    index += 3
                elif pattern.startswith("**", index):
                    regex += ".*"
                    index += 2
                elif pattern[index] == "*":
                    regex += "[^/]*"
                    index += 1
                elif pattern[index] == "?":
                    regex += "[^/]"
                    index += 1
                else:
                    regex += re.escape(pattern[index])
                    index += 1
            rules.append((re.compile(regex + r"\Z"), excludes))
    return rules


def is_ignored(relative, rules):
    parts = relative.split("/")
    prefixes = ["/".join(parts[: count]) for count in range(1, len(parts) + 1)]
    ignored = False
    for regex, excludes in rules:
        if any(regex.match(prefix) for prefix in prefixes):
            ignored = excludes
    return ignored


def build_stage_copies(root):
    """The (source, destination) of each COPY in the first stage, relative to its WORKDIR."""
    copies = []
    stages = 0
    with open(os.path.join(root, "Dockerfile")) as file:
        for line in re.sub(r"\\\n", " ", file.read()).splitlines():
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            if words[0].upper() == "FROM":
                stages += 1
            elif words[0].upper() == "COPY" and stages == 1 and not any(word.startswith("--from") for word in words):
                sources, destination = words[1:-1], words[-1]
                copies.extend((source, destination) for source in sources)
    return copies


def files_under(root, source, rules):
    """The files of `source` (a file or a folder) that .dockerignore leaves, relative to root."""
    if not os.path.isdir(os.path.join(root, source)):
        return [] if is_ignored(source, rules) or not os.path.exists(os.path.join(root, source)) else [source]
    found = []
    for current, folders, files in os.walk(os.path.join(root, source)):
        folders[:] = [name for name in folders if not is_ignored(os.path.relpath(os.path.join(current, name), root), rules)]
        relatives = (os.path.relpath(os.path.join(current, name), root) for name in files)
        found.extend(relative for relative in relatives if not is_ignored(relative, rules))
    return found


def make_context(root, rules, copies, directory):
    """Copies what the build stage would have into `directory`; a problem, or None."""
    for source, destination in copies:
        files = files_under(root, source, rules)
        if not files:
            return f"COPY {source}: nothing left of it after .dockerignore"
        base = "" if destination in (".", "./") else destination
        for relative in files:
            inner = os.path.basename(relative) if relative == source else os.path.relpath(relative, source)
            target = os.path.join(directory, base, inner)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy2(os.path.join(root, relative), target)
    return None


def describe(root, rules, copies):
    """None if the package loads from the emulated context, else the error."""
    with tempfile.TemporaryDirectory() as directory:
        problem = make_context(root, rules, copies, directory)
        if problem:
            return problem
        result = subprocess.run(["swift", "package", "--scratch-path", os.path.join(directory, ".scratch"), "describe", "--type", "json"],
                                cwd=directory, capture_output=True, text=True, timeout=600)
        return None if result.returncode == 0 else result.stderr.strip().splitlines()[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    options = parser.parse_args()
    rules = ignore_rules(options.root)
    copies = build_stage_copies(options.root)
    if not copies:
        sys.exit("check-build-context: the Dockerfile's build stage copies nothing")
    print(f"build context: {len(rules)} .dockerignore patterns; the build stage copies {', '.join(source for source, _ in copies)}")
    problem = describe(options.root, rules, copies)
    if problem:
        print(f"FAILED: the package does not load from the image's build context: {problem}")
        return 1
    print("build context: swift package describe loads the package from it")
    missed = []
    for index, (source, _) in enumerate(copies):
        if source == "Package.swift":
            continue
        if describe(options.root, rules, copies[:index] + copies[index + 1:]) is None:
            missed.append(source)
    if missed:
        print(f"FAILED: the package still loaded without {', '.join(missed)}: the check cannot tell a missing folder")
        return 1
    print(f"build context: without any one of the {len(copies) - 1} copied folders the package does not load (checked)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
