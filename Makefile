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

.PHONY: setup build models test demo format

setup:
	@scripts/setup.sh

build: setup
	$(SWIFT) build $(SWIFT_FLAGS) --product vidi

# Both backbones' weights (the golden tests need them); a quick re-hash when already present.
models: build
	$(VIDI) models fetch --all

test: models
	$(SWIFT) test $(SWIFT_FLAGS)

demo: build
	$(VIDI) models fetch
	$(VIDI) demo

format:
	$(SWIFT) format --in-place --recursive Package.swift Sources Tests
