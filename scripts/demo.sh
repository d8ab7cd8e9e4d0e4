#!/usr/bin/env bash
# The README's main job: build the busybox base offline from the host's static
# busybox, build testdata/hello on it, and run it.
set -euo pipefail
cd "$(dirname "$0")/.."
cp /bin/busybox testdata/busybox/busybox
bin/kiln build --progress plain -t kiln/busybox testdata/busybox
bin/kiln build --progress plain -t hello testdata/hello
bin/kiln run --rm hello
