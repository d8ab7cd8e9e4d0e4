#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for kiln, as root: installs the host
# packages kiln and its tests use when they are missing, then the npm
# dependencies (npm ci also compiles and bundles kiln).
set -euo pipefail
cd "$(dirname "$0")/.."

# command → Debian package
declare -A want=(
  [runc]=runc
  [crun]=crun # the second OCI runtime; its e2e tests run in CI
  [getfattr]=attr
  [skopeo]=skopeo
  [umoci]=umoci
  [docker-registry]=docker-registry
  [bzip2]=bzip2
  [xz]=xz-utils
  [tar]=tar
  [htpasswd]=apache2-utils
  [/usr/bin/time]=time # GNU time: peak RSS of kiln in e2e tests
  [zsh]=zsh # the zsh completion test
  [pasta]=passt        # user-mode networking of kiln run's private networks
  [ip]=iproute2        # bridges and veths of user-defined networks
  [nsenter]=util-linux # running ip inside kiln's network namespaces
  [tini-static]=tini   # kiln run --init
  [ssh-agent]=openssh-client # kiln build --ssh with key files; its e2e test runs ssh-add inside a step
  [git]=git # git build contexts (cloned with the system git)
  [newuidmap]=uidmap # rootless kiln maps a user's subordinate ids (cli/rootless.ts)
  [setpriv]=util-linux # the rootless e2e tests run kiln as an ordinary user
)
missing=()
for cmd in "${!want[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${want[$cmd]}")
done
# The tests copy the static busybox into images; the dynamic one would not run there.
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' || missing+=(busybox-static)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing host packages: ${missing[*]} (run as root, or: apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The unprivileged user (with a subordinate id range) the rootless e2e tests run kiln as.
if [ "$(id -u)" -eq 0 ]; then scripts/rootless-user.sh >/dev/null; fi

npm ci --no-audit --no-fund
