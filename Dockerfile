# hrms container image.
#
#   docker build -t hrms .
#   docker run -p 8080:8080 hrms            # SQLite in /app/data/hrms.db
#
# Needs a registry for the two base images. CI (which has none) builds the
# runtime stage below as written on a debootstrapped Debian minbase around the
# binary it built, and runs it: scripts/test-image.sh. The build stage is the
# same `cargo build --release --locked --bin hrms` CI runs in debug.

# ---------------------------------------------------------------- build stage
FROM rust:1-bookworm AS build

# C toolchain for the -sys crates: librdkafka (configure + make, C/C++),
# bundled SQLite and libpq (cc), and the OpenSSL / zlib headers that libpq and
# librdkafka link against (both are linked dynamically, see the runtime stage).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        build-essential cmake pkg-config libssl-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# Dependency layer: build every dependency against empty sources, so that
# changing the project's own code does not rebuild the (large) C libraries.
# If Cargo.toml ever gains a build.rs, [[bench]] or [[example]] target, stub it
# here too.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src \
 && echo 'fn main() {}' > src/main.rs \
 && : > src/lib.rs \
 && cargo build --release --locked --bin hrms \
 && rm -rf src

# The real sources. migrations/, config/ and schemas/ are read at compile time
# (embedded migrations, included files), so they are needed here.
COPY src ./src
COPY migrations ./migrations
COPY config ./config
COPY schemas ./schemas
# COPY keeps the files' original mtimes, which can be older than the stubs
# built above; touch them so cargo rebuilds the hrms crate itself.
RUN touch src/main.rs src/lib.rs \
 && cargo build --release --locked --bin hrms

# -------------------------------------------------------------- runtime stage
FROM debian:bookworm-slim

# SQLite and libpq are compiled into the binary (bundled), but libpq links
# OpenSSL and librdkafka links zlib dynamically: the binary needs glibc,
# libssl3/libcrypto3 and zlib1g. ca-certificates for TLS to Kafka/PostgreSQL.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libssl3 zlib1g \
 && rm -rf /var/lib/apt/lists/*

# Unprivileged user with a fixed uid/gid, so volume permissions are predictable.
RUN groupadd --gid 10001 hrms \
 && useradd --uid 10001 --gid 10001 --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin hrms

WORKDIR /app
COPY --from=build /src/target/release/hrms /usr/local/bin/hrms
COPY config /app/config
# The default SQLite database is ./data/hrms.db: /app/data must be writable.
# Mount a volume there to keep it across containers.
RUN mkdir -p /app/data && chown hrms:hrms /app/data

ENV HRMS_PROFILE=production \
    PORT=8080
EXPOSE 8080

# No HEALTHCHECK: the slim image has no curl/wget to probe the HTTP health
# endpoint, and installing one only for that grows the image and its attack
# surface. Let the orchestrator probe the endpoint from outside instead.

USER hrms
ENTRYPOINT ["/usr/local/bin/hrms"]
CMD ["serve"]
