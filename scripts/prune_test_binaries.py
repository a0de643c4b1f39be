"""Deletes the test executables that earlier builds left in the target folder.

Every change relinks each test binary under a new hash (≈1.3 GB each with debug info),
and cargo never removes the old ones: a few days of work filled the disk, and a full
disk makes Chromium refuse the service worker's cache in the end-to-end tests. Only
executables whose name (before the hash) is one the current build also makes are
removed, and never one the current build uses.
"""

import json
import os
import re
import subprocess
import sys

BUILDS = [
    ["cargo", "test", "--no-run", "--message-format=json"],
    ["cargo", "test", "--no-run", "--message-format=json", "--target", "i686-unknown-linux-gnu",
     "--no-default-features", "--test", "fuzz"],
]
HASHED = re.compile(r"^(?P<stem>.+)-[0-9a-f]{16}$")


def current_executables(command):
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        message = json.loads(line)
        if message.get("executable"):
            yield os.path.realpath(message["executable"])


def main():
    keep = {path for command in BUILDS for path in current_executables(command)}
    freed = 0
    for folder in {os.path.dirname(path) for path in keep}:
        stems = {HASHED.match(os.path.basename(path)).group("stem") for path in keep
                 if os.path.dirname(path) == folder and HASHED.match(os.path.basename(path))}
        for name in os.listdir(folder):
            path = os.path.join(folder, name)
            match = HASHED.match(name)
            if match and match.group("stem") in stems and path not in keep and os.access(path, os.X_OK):
                freed += os.path.getsize(path)
                os.remove(path)
    print(f"freed {freed / 2**30:.1f} GiB of old test binaries", file=sys.stderr)


if __name__ == "__main__":
    main()
