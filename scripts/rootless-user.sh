#!/usr/bin/env bash
# Creates (idempotently) the unprivileged user the rootless e2e tests run kiln
# as, with a subordinate uid/gid range so images owning files as other users
# build: container 0 maps to the user, 1..65535 to its range.
# A second user, USER-nosub, has no range: its kiln maps only itself, as 0.
# Usage (as root): scripts/rootless-user.sh [USER]   (default kiln-rootless)
set -euo pipefail
user="${1:-kiln-rootless}"
if [ "$(id -u)" -ne 0 ]; then
  echo "rootless-user: run as root (it creates the user $user)" >&2
  exit 1
fi
if ! id -u "$user" >/dev/null 2>&1; then
  useradd --create-home --shell /bin/sh "$user"
fi
if ! id -u "$user-nosub" >/dev/null 2>&1; then
  useradd --create-home --shell /bin/sh -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$user-nosub"
fi
range=100000-165535
grep -q "^$user:" /etc/subuid 2>/dev/null || usermod --add-subuids "$range" "$user"
grep -q "^$user:" /etc/subgid 2>/dev/null || usermod --add-subgids "$range" "$user"
# Rootless networking (pasta) opens /dev/net/tun as the user; Debian's udev
# makes it 0666, some minimal hosts and containers leave it 0600.
if [ -c /dev/net/tun ] && [ "$(stat -c %a /dev/net/tun)" = 600 ]; then chmod 0666 /dev/net/tun; fi
echo "$user"
