#!/bin/sh
# Builds the stand-ins for the official node, postgres and redis images (names in stand-ins.env)
# from localhost/bookworm-base, making the base first when it is missing. Podman's layer cache makes
# a rebuild with nothing changed take a second or two. Needs CONTAINERS_CONF (see README).
set -eu
cd "$(dirname "$0")/../../.."
sh infra/docker/podman/base-image.sh
set -a
. infra/docker/podman/stand-ins.env
set +a
registry=$(npm config get registry 2>/dev/null || echo https://registry.npmjs.org/)
build() {
  image=$1
  file=$2
  shift 2
  podman build --quiet --tag "$image" --build-arg BASE_IMAGE=localhost/bookworm-base "$@" \
    --file "infra/docker/stand-ins/$file" infra/docker/stand-ins >/dev/null
  echo "$image: built"
}
build "$NODE_IMAGE" node.Dockerfile --build-arg "NPM_REGISTRY=${registry%/}"
build "$POSTGRES_IMAGE" postgres.Dockerfile
build "$REDIS_IMAGE" redis.Dockerfile
