#!/usr/bin/env bash
# `npm run test:containers` brings its tools, as `npm test` brings Chromium: Debian's podman, runc
# (crun refuses this host's hybrid cgroups), debootstrap for the local base image and podman-compose.
set -euo pipefail
if command -v podman >/dev/null && command -v podman-compose >/dev/null \
  && command -v debootstrap >/dev/null && [ -x /usr/sbin/runc ]; then
  exit 0
fi
echo "installing Debian's podman, runc, debootstrap and podman-compose"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq podman runc debootstrap podman-compose >/dev/null
