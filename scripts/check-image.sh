#!/usr/bin/env bash
# Build the policybot image with podman and smoke-test it as an operator would.
#
# Where python:3.11-slim cannot be pulled, a bookworm base is made with debootstrap (Debian's
# python3 is 3.11) and imported as BASE_IMAGE; it is reused on later runs. Needs root and
# Debian's podman, runc and debootstrap. Not run in CI: it takes minutes and a container runtime.
#
#   scripts/check-image.sh            # build and check
#   REBUILD_BASE=1 scripts/check-image.sh
set -euo pipefail

cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-localhost/policybot:check}
BASE_IMAGE=${BASE_IMAGE:-localhost/bookworm-python3:local}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
VOLUME=policybot-check-$$
QUESTION=数据二十条第十条
FIRST_ANSWER_LIMIT_MS=1500

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { printf '\n== %s\n' "$*"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# Seconds since a now_ms stamp, to the millisecond.
since() { local ms=$(($(now_ms) - $1)); printf '%d.%03d' $((ms / 1000)) $((ms % 1000)); }

for tool in podman runc debootstrap; do
    command -v "$tool" >/dev/null || fail "$tool missing: apt-get install -y podman runc debootstrap"
done
[ "$(id -u)" -eq 0 ] || fail "run as root (debootstrap and rootful podman)"

# This machine's limits: podman's default nofile and nproc ulimits are above what the sandbox
# grants (runc: "error setting rlimits ... operation not permitted"), and
# there is no systemd to manage cgroups or journal events. A private containers.conf keeps the
# system's own configuration untouched.
work=$(mktemp -d)
cleanup() {
    podman volume rm -f "$VOLUME" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
nofile="$(ulimit -Sn):$(ulimit -Hn)"
# nproc above ~32k is refused here even when `ulimit -u` reports more; a bot needs far fewer.
nproc=4096:4096
cat >"$work/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$nofile", "nproc=$nproc"]

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
CONF
export CONTAINERS_CONF="$work/containers.conf"
echo "containers.conf: default_ulimits nofile=$nofile nproc=$nproc, cgroupfs, runc"
podman --version

step "base image $BASE_IMAGE"
if [ -n "${REBUILD_BASE:-}" ] || ! podman image exists "$BASE_IMAGE"; then
    started=$(now_ms)
    rootfs="$work/rootfs"
    # python3-venv brings ensurepip: the Dockerfile installs into a venv, as Debian's python3
    # refuses system-wide pip installs (PEP 668).
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
        bookworm "$rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 \
        || { tail -20 "$work/debootstrap.log"; fail "debootstrap"; }
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -c . | podman import --quiet --change 'CMD ["python3"]' - "$BASE_IMAGE" >/dev/null
    echo "debootstrapped and imported in $(since "$started") s"
else
    echo "reusing it (REBUILD_BASE=1 to make it anew)"
fi
podman run --rm "$BASE_IMAGE" python3 --version

step "build $IMAGE"
started=$(now_ms)
# Host networking: the build only needs PyPI. The CA bundle goes in as a build secret, for the
# TLS-intercepting proxy in front of PyPI here; it is not stored in any layer.
podman build --no-cache --network host --build-arg "BASE=$BASE_IMAGE" \
    --secret "id=pip_ca,src=$CA_BUNDLE" --tag "$IMAGE" . >"$work/build.log" 2>&1 \
    || { tail -30 "$work/build.log"; fail "podman build"; }
build_seconds=$(since "$started")
echo "built in $build_seconds s"

step "runs as a numeric non-root uid"
user=$(podman image inspect --format '{{.Config.User}}' "$IMAGE")
[[ "$user" =~ ^[0-9]+(:[0-9]+)?$ ]] || fail "USER is '$user', not numeric"
uid=$(podman run --rm --network none "$IMAGE" id -u)
[ "$uid" -ne 0 ] || fail "the container runs as root"
echo "USER $user; id -u in the container: $uid"

step "no build leftovers"
leftovers=$(podman run --rm --network none "$IMAGE" sh -c \
    'ls -A /app; find /app /opt/venv -name "*.egg-info" -o -path /app/build')
[ "$leftovers" = seeds ] || fail "/app and /opt/venv hold more than the seeds: $leftovers"
echo "/app holds only seeds/; no build/ or *.egg-info"

step "first answer from a fresh volume"
podman volume create "$VOLUME" >/dev/null
baked=$(podman run --rm --network none "$IMAGE" sh -c 'cd /data/cache && ls -l --time-style=+%s')
started=$(now_ms)
answer=$(podman run --rm --network none -v "$VOLUME:/data" "$IMAGE" policybot ask "$QUESTION")
first_seconds=$(since "$started")
printf '%s\n' "$answer" | head -2
printf '%s\n' "$answer" | head -1 | grep -q '（十）' || fail "the answer is not clause (十)"
after=$(podman run --rm --network none -v "$VOLUME:/data" "$IMAGE" \
    sh -c 'cd /data/cache && ls -l --time-style=+%s')
[ "$after" = "$baked" ] || fail "the first answer rebuilt the cache: the image's was not used"
echo "answered from the image's pre-built cache (/data/cache unchanged)"
started=$(now_ms)
podman run --rm --network none -v "$VOLUME:/data" "$IMAGE" policybot ask "$QUESTION" >/dev/null
second_seconds=$(since "$started")
# For scale: the same question with an empty /data, where the cache is built on the spot.
mkdir "$work/empty-data"
chown "$user" "$work/empty-data"
started=$(now_ms)
podman run --rm --network none -v "$work/empty-data:/data" "$IMAGE" \
    policybot ask "$QUESTION" >/dev/null
cold_seconds=$(since "$started")
echo "first answer (whole podman run): $first_seconds s; second: $second_seconds s;" \
    "with an empty /data (no pre-built cache): $cold_seconds s"
(( 10#${first_seconds/./} < FIRST_ANSWER_LIMIT_MS )) \
    || fail "first answer took $first_seconds s, over $FIRST_ANSWER_LIMIT_MS ms"

step "serve without a reachable Telegram"
set +e
output=$(podman run --rm --network none -e POLICYBOT_TELEGRAM_TOKEN=123456:check-image \
    -v "$VOLUME:/data" "$IMAGE" 2>&1)
status=$?
set -e
printf '%s\n' "$output"
[ "$status" -ne 0 ] || fail "serve exited 0 without Telegram"
[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ] || fail "serve printed more than one line"
echo "exit status $status, one line"

step "size"
bytes=$(podman image inspect --format '{{.Size}}' "$IMAGE")
base_bytes=$(podman image inspect --format '{{.Size}}' "$BASE_IMAGE")
echo "image $IMAGE: $((bytes / 1000000)) MB (base $BASE_IMAGE: $((base_bytes / 1000000)) MB)"

printf '\nOK: built in %s s, first answer %s s, image %d MB\n' \
    "$build_seconds" "$first_seconds" $((bytes / 1000000))
