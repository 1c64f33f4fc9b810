#!/bin/sh
# Makes localhost/bookworm-base, the one base every locally built image starts from, when no image
# registry is reachable: a minimal Debian bookworm made by debootstrap from this machine's own
# Debian mirror (26 s, ~200 MB), imported into podman. The root file system is kept as a tarball
# under .data/containers/ so that a lost image is re-imported in seconds, not re-bootstrapped.
# Idempotent: does nothing when the image exists. Run as root (debootstrap and rootful podman).
set -eu
cd "$(dirname "$0")/../../.."

image="${BASE_IMAGE:-localhost/bookworm-base}"
cache=".data/containers"
tarball="$cache/bookworm-base.tar"
podman="podman --runtime ${PODMAN_RUNTIME:-/usr/sbin/runc}"

if $podman image exists "$image"; then
  echo "$image: present"
  exit 0
fi

# The first Debian archive apt already uses (deb822 .sources or one-line .list), so the bootstrap
# goes wherever this machine's packages come from.
mirror() {
  for file in /etc/apt/sources.list.d/*.sources; do
    [ -f "$file" ] || continue
    awk '/^URIs:/ { uri = $2 } /^Suites:/ && / bookworm( |$)/ && uri ~ /\/debian\/?$/ { print uri; exit }' "$file"
  done | head -n 1
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$file" ] || continue
    awk '$1 == "deb" && $3 == "bookworm" && $2 ~ /\/debian\/?$/ { print $2; exit }' "$file"
  done | head -n 1
}

if [ ! -s "$tarball" ]; then
  url="${DEBIAN_MIRROR:-$(mirror | head -n 1)}"
  url="${url:-http://deb.debian.org/debian}"
  mkdir -p "$cache"
  root=$(mktemp -d "$cache/rootfs.XXXXXX")
  trap 'rm -rf "$root"' EXIT
  echo "debootstrap bookworm from $url"
  debootstrap --variant=minbase bookworm "$root" "$url" >"$cache/debootstrap.log" 2>&1 ||
    { tail -n 20 "$cache/debootstrap.log" >&2; exit 1; }
  # Nothing of the build host's package downloads belongs in an image.
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  # This machine's own trust anchors (an egress proxy's CA, say), so that images built from this
  # base reach the npm registry the way the host does; they join the bundle when an image installs
  # ca-certificates.
  if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
    mkdir -p "$root/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  fi
  tar -C "$root" -cf "$tarball.partial" .
  mv "$tarball.partial" "$tarball"
fi

$podman import --quiet "$tarball" "$image" >/dev/null
echo "$image: imported from $tarball"
