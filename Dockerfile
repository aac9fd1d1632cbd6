# The `vidi` image: the command, the runtime libraries it links against and (by default) the
# default backbone's weights, so cluster workers need no network.
#
#   make image                                   # or: docker build -t vidi:latest .
#   docker run --rm vidi:latest models check     # the self-test on the machine that runs it
#   docker run --rm -p 8080:8080 -v "$PWD:/work" vidi:latest serve /work/ucf101.vidi --host 0.0.0.0
#
# Build arguments:
#   SWIFT_CPU_FLAGS  extra `swift build` flags. Empty (the default) builds for portable x86-64 (or
#                    arm64), since a cluster's nodes may differ from the build machine. For nodes
#                    like the build machine: "-Xswiftc -target-cpu -Xswiftc native -Xcc -march=native";
#                    for a named level: "-Xswiftc -target-cpu -Xswiftc x86-64-v3 -Xcc -march=x86-64-v3".
#                    The build runs `vidi` to fetch the weights, so the build machine must be able
#                    to run what these flags produce.
#   VIDI_WEIGHTS     1 (default) fetches the default backbone's weights into $VIDI_HOME; 0 leaves
#                    them out (mount a folder holding `models/` at /opt/vidi instead).
#
# scripts/check-image-libs.sh (run by `make test`) checks the runtime stage's package list against
# `ldd` of a local build, since no container engine runs where the tests do.

ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS build
# A failing step inside a pipeline fails the build.
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# The -dev packages scripts/setup.sh installs, and pip, through which `vidi models fetch` downloads
# the pinned weight wheels. Versions are the Debian release's, security updates included.
# hadolint ignore=DL3008
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        pkg-config libavformat-dev libavcodec-dev libswscale-dev libavutil-dev \
        libopenblas-dev zlib1g-dev python3 python3-pip \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# The manifest alone first, so that a source change does not fetch the dependencies again.
COPY Package.swift ./
RUN swift package resolve
COPY . .

ARG SWIFT_CPU_FLAGS=""
# The Makefile's build (`swift build -c release --product vidi`), then everything the runtime
# stage takes: the binary with its resource bundles next to it (Bundle.module looks there), and
# the Swift runtime libraries `ldd` finds for it.
RUN swift build -c release --product vidi $SWIFT_CPU_FLAGS \
    && bin="$(swift build -c release $SWIFT_CPU_FLAGS --show-bin-path)" \
    && mkdir -p /staging/bin /staging/swift /staging/vidi \
    && cp "$bin/vidi" /staging/bin/ \
    && cp -R "$bin"/*.resources /staging/bin/ \
    && ldd /staging/bin/vidi | awk '$3 ~ /^\/usr\/lib\/swift\/linux\// { print $3 }' \
        | xargs -r cp -L -t /staging/swift/

ARG VIDI_WEIGHTS=1
RUN if [ "$VIDI_WEIGHTS" = 1 ]; then \
        VIDI_HOME=/staging/vidi /staging/bin/vidi models fetch && rm -rf /staging/vidi/tmp; \
    fi

FROM ${RUNTIME_IMAGE}
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# Exactly the packages that own the libraries `vidi` and the Swift runtime link against directly;
# their dependencies bring the rest. scripts/check-image-libs.sh keeps this list honest.
# hadolint ignore=DL3008
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libavformat59 libavcodec59 libswscale6 libavutil57 libopenblas0-pthread zlib1g \
        libstdc++6 libgcc-s1 libc6 \
    && rm -rf /var/lib/apt/lists/*

# The same folder the builder's toolchain used, which is the binary's run path; ld.so.conf as well
# so that nothing depends on that.
COPY --from=build /staging/swift/ /usr/lib/swift/linux/
RUN echo /usr/lib/swift/linux > /etc/ld.so.conf.d/swift.conf && ldconfig

COPY --from=build /staging/bin/ /usr/local/bin/
COPY deploy/image/vidi-healthcheck /usr/local/bin/vidi-healthcheck
# `ldd` does not run vidi's code, so this also holds when SWIFT_CPU_FLAGS target another CPU.
RUN if ldd /usr/local/bin/vidi | grep 'not found'; then \
        echo "vidi image: the runtime stage lacks the libraries above" >&2; exit 1; \
    fi

# A numeric USER, so that Kubernetes' runAsNonRoot can verify it.
RUN groupadd --gid 10001 vidi \
    && useradd --uid 10001 --gid vidi --create-home --home-dir /home/vidi vidi
COPY --from=build --chown=10001:10001 /staging/vidi/ /opt/vidi/
ENV VIDI_HOME=/opt/vidi
USER 10001:10001
WORKDIR /home/vidi

EXPOSE 8080
# Only `vidi serve` answers; containers running other commands report healthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["vidi-healthcheck"]
ENTRYPOINT ["vidi"]
CMD ["--help"]
