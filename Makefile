# The README's commands. Each target first runs the idempotent set-up, then builds.

SWIFT ?= swift
CONFIG ?= release
# Kernels use SIMD types; targeting the host CPU lets them compile to its widest vector
# instructions (AVX-512/FMA on current x86). A plain `swift build` stays portable and correct.
ifeq ($(shell uname -m),x86_64)
NATIVE ?= -Xswiftc -target-cpu -Xswiftc native -Xcc -march=native
endif
SWIFT_FLAGS = -c $(CONFIG) $(NATIVE)
BIN = $(shell $(SWIFT) build $(SWIFT_FLAGS) --show-bin-path 2>/dev/null)
VIDI = $(BIN)/vidi
IMAGE ?= vidi:latest
# Extra `docker build` / `podman build` arguments, e.g. IMAGE_ARGS='--build-arg VIDI_WEIGHTS=0'.
IMAGE_ARGS ?=

.PHONY: setup build models test demo format image

setup:
	@scripts/setup.sh

build: setup
	$(SWIFT) build $(SWIFT_FLAGS) --product vidi

# Both backbones' weights (the golden tests need them); a quick re-hash when already present.
models: build
	$(VIDI) models fetch --all

# The image check first: it needs no container engine and takes seconds.
test: models
	scripts/check-image-libs.sh --self-test $(VIDI)
	$(SWIFT) test $(SWIFT_FLAGS)

demo: build
	$(VIDI) models fetch
	$(VIDI) demo

# The container image (Dockerfile), with docker or podman.
image:
	@scripts/build-image.sh $(IMAGE) $(IMAGE_ARGS)

format:
	$(SWIFT) format --in-place --recursive Package.swift Sources Tests
