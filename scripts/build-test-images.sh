#!/usr/bin/env bash
# Build local stand-ins for the tier-2 suite's container images, offline from a
# registry's point of view: nothing is pulled from a container registry.
#
#   scripts/build-test-images.sh            # all three images (each skipped when present)
#   scripts/build-test-images.sh postgres   # only one of them
#   scripts/build-test-images.sh kafka
#   scripts/build-test-images.sh slim
#
# hrms-test/postgres:local  Debian (debootstrap, the machine's own apt mirror) with
#     the distribution's PostgreSQL, a cluster initialised at build time (user
#     and database `postgres`, trust auth, listening on *), started in the
#     foreground by `docker-entrypoint.sh postgres [-c key=value ...]` like the
#     public postgres image, and printing the same readiness line.
# hrms-test/kafka:local     tansu, a Kafka-compatible broker written in Rust,
#     built with `cargo install` (features dynostore for memory:// storage and
#     libsql for durable sqlite:// storage) into ${HRMS_CACHE_DIR}/tansu and
#     reused from there; the image is FROM scratch: the binary, the shared
#     libraries ldd lists and the dynamic loader.
# hrms-test/debian-slim:local  a bare Debian minbase (debootstrap, nothing
#     added), the stand-in for debian:bookworm-slim under the Dockerfile's
#     runtime stage (scripts/test-image.sh): no library the stage forgets to
#     install is there by accident.
#
# Settings (environment):
#   HRMS_CACHE_DIR              cache folder (default ~/.cache/hrms)
#   HRMS_LOCAL_POSTGRES_IMAGE   tag of the PostgreSQL image (default hrms-test/postgres:local)
#   HRMS_LOCAL_KAFKA_IMAGE      tag of the broker image (default hrms-test/kafka:local)
#   HRMS_DEBIAN_MIRROR          Debian mirror (default: read from the apt sources)
#   HRMS_DEBIAN_SUITE           Debian suite (default: this machine's VERSION_CODENAME)
#   HRMS_TANSU_VERSION          tansu version to install (default 0.6.0)
#   HRMS_REBUILD_IMAGES=1       rebuild even when the images exist
#
# Everything is logged to stderr. Needs root (debootstrap) and a Docker engine.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${HRMS_CACHE_DIR:-$HOME/.cache/hrms}"
PG_TAG="${HRMS_LOCAL_POSTGRES_IMAGE:-hrms-test/postgres:local}"
KAFKA_TAG="${HRMS_LOCAL_KAFKA_IMAGE:-hrms-test/kafka:local}"
BASE_TAG="hrms-test/debian-base:local"
SLIM_TAG="${HRMS_LOCAL_SLIM_IMAGE:-hrms-test/debian-slim:local}"
TANSU_VERSION="${HRMS_TANSU_VERSION:-0.6.0}"
TANSU_FEATURES="dynostore,libsql"
TANSU_ROOT="$CACHE/tansu"
TANSU_BIN="$TANSU_ROOT/bin/tansu"

log() { echo "build-test-images: $*" >&2; }

# Temporary folders, removed however the script ends.
TMPDIRS=()
cleanup() { local d; for d in "${TMPDIRS[@]+"${TMPDIRS[@]}"}"; do rm -rf "$d"; done; }
trap cleanup EXIT
# tmpdir VAR NAME: a new temporary folder in $VAR.
tmpdir() { local d; d="$(mktemp -d "${TMPDIR:-/tmp}/hrms-$2.XXXXXX")"; TMPDIRS+=("$d"); printf -v "$1" '%s' "$d"; }
die() { log "error: $*"; exit 1; }

have_image() {
    [[ "${HRMS_REBUILD_IMAGES:-0}" != 1 ]] && docker image inspect "$1" >/dev/null 2>&1
}

# The suite this machine runs, e.g. bookworm.
debian_suite() {
    if [[ -n "${HRMS_DEBIAN_SUITE:-}" ]]; then
        echo "$HRMS_DEBIAN_SUITE"
        return
    fi
    # shellcheck disable=SC1091
    (. /etc/os-release && echo "${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}")
}

# The mirror apt uses for that suite: first from deb822 .sources files, then
# from one-line sources.list entries. Never hard-coded.
debian_mirror() {
    local suite="$1" f uri=""
    if [[ -n "${HRMS_DEBIAN_MIRROR:-}" ]]; then
        echo "$HRMS_DEBIAN_MIRROR"
        return
    fi
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -r "$f" ]] || continue
        uri="$(awk -v suite="$suite" '
            BEGIN { RS = ""; FS = "\n" }
            {
                types = ""; uris = ""; suites = ""; enabled = "yes"
                for (i = 1; i <= NF; i++) {
                    line = $i
                    if (line ~ /^[ \t]*#/) continue
                    if (line ~ /^Types:/)   { sub(/^Types:[ \t]*/, "", line); types = line }
                    if (line ~ /^URIs:/)    { sub(/^URIs:[ \t]*/, "", line); uris = line }
                    if (line ~ /^Suites:/)  { sub(/^Suites:[ \t]*/, "", line); suites = line }
                    if (line ~ /^Enabled:/) { sub(/^Enabled:[ \t]*/, "", line); enabled = tolower(line) }
                }
                if (enabled != "no" && (" " types " ") ~ / deb / && (" " suites " ") ~ (" " suite " ")) {
                    split(uris, u, /[ \t]+/); print u[1]; exit
                }
            }' "$f")"
        [[ -n "$uri" ]] && break
    done
    if [[ -z "$uri" ]]; then
        for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
            [[ -r "$f" ]] || continue
            uri="$(awk -v suite="$suite" '
                $1 == "deb" {
                    i = 2
                    if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                    if ($(i + 1) == suite) { print $i; exit }
                }' "$f")"
            [[ -n "$uri" ]] && break
        done
    fi
    [[ -n "$uri" ]] || die "no 'deb' source for suite $suite in /etc/apt/sources.list{,.d}; set HRMS_DEBIAN_MIRROR"
    echo "$uri"
}

ensure_debootstrap() {
    command -v debootstrap >/dev/null 2>&1 && return
    [[ "$(id -u)" -eq 0 ]] || die "debootstrap is missing and we are not root: apt-get install debootstrap"
    log "installing debootstrap"
    # apt-get.sh waits for the package manager's locks: .ci/run installs other
    # packages while this script runs in the background.
    scripts/apt-get.sh install -y --no-install-recommends debootstrap \
        || { scripts/apt-get.sh update && scripts/apt-get.sh install -y --no-install-recommends debootstrap; }
}

# debootstrap_image TAG NAME [PACKAGE,...]: a minbase root file system of the
# host's Debian suite (with the packages, if any), without package caches and
# lists, imported as TAG. NAME names the work folder.
debootstrap_image() {
    local tag="$1" name="$2" include="${3:-}"
    if have_image "$tag"; then
        log "$tag present"
        return
    fi
    [[ "$(id -u)" -eq 0 ]] || die "debootstrap needs root"
    ensure_debootstrap
    local suite mirror work
    suite="$(debian_suite)"
    mirror="$(debian_mirror "$suite")"
    tmpdir work "$name"
    log "debootstrap $suite (minbase${include:+ + $include}) from $mirror into $work (a few minutes)"
    debootstrap --variant=minbase ${include:+--include="$include"} \
        "$suite" "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 \
        || { tail -n 40 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
    rm -rf "$work"/root/var/cache/apt/archives/*.deb "$work"/root/var/lib/apt/lists/*
    if [[ -n "$include" ]]; then
        # The package's default cluster (if its postinst made one) is not used:
        # the image gets its own cluster in the image build. Smaller image: no
        # docs, man pages or locales either.
        rm -rf "$work"/root/var/lib/postgresql/*/main "$work"/root/etc/postgresql/*/main \
            "$work"/root/usr/share/doc/* "$work"/root/usr/share/man/* "$work"/root/usr/share/locale/*
    fi
    log "importing $tag"
    tar --numeric-owner -C "$work/root" -c . | docker import - "$tag" >/dev/null
}

# The PostgreSQL test image's base: minbase with the server.
build_base() { debootstrap_image "$BASE_TAG" rootfs postgresql,ca-certificates; }

# A bare minbase root file system, imported as the runtime stage's base (like
# the slim image: the stage runs apt-get update itself).
build_slim() { debootstrap_image "$SLIM_TAG" slim-rootfs; }

build_postgres() {
    if have_image "$PG_TAG"; then
        log "$PG_TAG present, not rebuilt"
        return
    fi
    build_base
    local ctx major
    major="$(docker run --rm "$BASE_TAG" sh -c 'ls /usr/lib/postgresql | sort -V | tail -n 1')"
    [[ -n "$major" ]] || die "no PostgreSQL server in $BASE_TAG"
    tmpdir ctx pg-image
    # Like the public image's entry point: `postgres [args]` runs the server in
    # the foreground with those extra arguments; anything else is executed.
    cat >"$ctx/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e
if [ "${1:-postgres}" = postgres ]; then
    [ "$#" -gt 0 ] && shift
    exec postgres -D "$PGDATA" "$@"
fi
exec "$@"
EOF
    cat >"$ctx/Dockerfile" <<EOF
FROM $BASE_TAG
ENV PGDATA=/var/lib/postgresql/data \\
    PATH=/usr/lib/postgresql/$major/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    LANG=C.UTF-8
# The cluster is made at build time: superuser and database postgres, trust
# authentication for every host (a test image, never for anything else).
RUN install -d -o postgres -g postgres -m 2775 /var/run/postgresql \\
 && install -d -o postgres -g postgres -m 700 "\$PGDATA" \\
 && runuser -u postgres -- initdb -D "\$PGDATA" -U postgres --auth-local=trust \\
        --auth-host=trust --encoding=UTF8 --locale=C.UTF-8 --no-sync >/dev/null \\
 && echo "listen_addresses = '*'" >>"\$PGDATA/postgresql.conf" \\
 && echo "host all all 0.0.0.0/0 trust" >>"\$PGDATA/pg_hba.conf" \\
 && echo "host all all ::/0 trust" >>"\$PGDATA/pg_hba.conf"
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 755 /usr/local/bin/docker-entrypoint.sh
LABEL org.hrms.test-image=postgres
USER postgres
WORKDIR /var/lib/postgresql
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
EOF
    log "building $PG_TAG (PostgreSQL $major)"
    docker build -q -t "$PG_TAG" "$ctx" >/dev/null
    log "$PG_TAG built"
}

# tansu from crates.io, compiled once into the cache and reused afterwards.
# The features the cached binary was built with are recorded next to it: a
# binary installed into the same folder with fewer features (scripts/bench.sh
# installs dynostore only) is replaced, since the suite needs sqlite://.
ensure_tansu() {
    local marker="$TANSU_ROOT/.hrms-features"
    if [[ -x "$TANSU_BIN" ]] \
        && [[ "$("$TANSU_BIN" --version 2>/dev/null || true)" == *"$TANSU_VERSION"* ]] \
        && [[ "$(cat "$marker" 2>/dev/null || true)" == "$TANSU_FEATURES" ]]; then
        log "tansu $TANSU_VERSION ($TANSU_FEATURES) cached at $TANSU_BIN"
        return
    fi
    log "cargo install tansu $TANSU_VERSION --features $TANSU_FEATURES (compiles for a while; cached afterwards)"
    mkdir -p "$CACHE"
    # A target dir in the cache lets an interrupted build resume; it is removed
    # once the binary is installed.
    # opt-level 1 instead of the release profile's 3: a test broker needs no
    # peak speed, and on a brand-new machine this compilation is on CI's
    # critical path (it must be done when the tier-2 step starts).
    CARGO_PROFILE_RELEASE_OPT_LEVEL="${HRMS_TANSU_OPT_LEVEL:-1}" \
        cargo install tansu --version "=$TANSU_VERSION" --locked --force --features "$TANSU_FEATURES" \
        --root "$TANSU_ROOT" --target-dir "$CACHE/tansu-target" >&2
    rm -rf "$CACHE/tansu-target"
    [[ -x "$TANSU_BIN" ]] || die "cargo install did not produce $TANSU_BIN"
    echo "$TANSU_FEATURES" >"$marker"
}

build_kafka() {
    if have_image "$KAFKA_TAG"; then
        log "$KAFKA_TAG present, not rebuilt"
        return
    fi
    ensure_tansu
    local ctx lib loader
    tmpdir ctx kafka-image
    mkdir -p "$ctx/root/usr/local/bin" "$ctx/root/data" "$ctx/root/tmp"
    cp "$TANSU_BIN" "$ctx/root/usr/local/bin/tansu"
    # The shared libraries the binary needs, at the paths it looks for them,
    # and the dynamic loader named in its program header.
    while read -r lib; do
        [[ -n "$lib" && -e "$lib" ]] || continue
        mkdir -p "$ctx/root$(dirname "$lib")"
        cp -L "$lib" "$ctx/root$lib"
    done < <(ldd "$TANSU_BIN" | awk '/=> \// { print $3 } /^[ \t]*\// { print $1 }')
    loader="$(ldd "$TANSU_BIN" | awk '/ld-linux/ { print ($3 ~ /^\//) ? $3 : $1 }' | head -n 1)"
    [[ -n "$loader" && -e "$ctx/root$loader" ]] || die "dynamic loader of tansu not found"
    # Name resolution for the sqlite:// or postgres:// storage engines' hosts.
    mkdir -p "$ctx/root/etc"
    echo "hosts: files dns" >"$ctx/root/etc/nsswitch.conf"
    chmod 1777 "$ctx/root/tmp"
    cat >"$ctx/Dockerfile" <<'EOF'
FROM scratch
COPY root/ /
LABEL org.hrms.test-image=kafka org.hrms.kafka-flavor=tansu
WORKDIR /data
EXPOSE 9092
ENTRYPOINT ["/usr/local/bin/tansu"]
CMD ["broker", "--listener-url", "tcp://0.0.0.0:9092", "--advertised-listener-url", "tcp://127.0.0.1:9092", "--storage-engine", "memory://tansu/"]
EOF
    log "building $KAFKA_TAG (tansu $TANSU_VERSION, FROM scratch)"
    docker build -q -t "$KAFKA_TAG" "$ctx" >/dev/null
    log "$KAFKA_TAG built"
}

command -v docker >/dev/null 2>&1 || die "docker not found"
docker info >/dev/null 2>&1 || die "the Docker engine does not answer (is dockerd running?)"

case "${1:-all}" in
    all) build_postgres; build_kafka; build_slim ;;
    postgres) build_postgres ;;
    kafka) build_kafka ;;
    slim) build_slim ;;
    *) die "usage: $0 [all|postgres|kafka|slim]" ;;
esac
