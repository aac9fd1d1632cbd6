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

# Where `make install` puts vidi: $(PREFIX)/lib/vidi/ (the binary and the resource bundles it
# reads at run time) and a $(PREFIX)/bin/vidi link. DESTDIR is for packagers.
PREFIX ?= /usr/local
# `sudo make install` may not find swift on root's PATH; the release build's folder then.
INSTALL_BIN = $(if $(BIN),$(BIN),.build/$(CONFIG))

.PHONY: setup build models test demo format image install uninstall

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

install:
	@test -x $(INSTALL_BIN)/vidi || { echo "no $(INSTALL_BIN)/vidi: run 'make build' first" >&2; exit 1; }
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/vidi
	install -m 755 $(INSTALL_BIN)/vidi $(DESTDIR)$(PREFIX)/lib/vidi/vidi
	for bundle in $(INSTALL_BIN)/*.resources; do \
	  case $$bundle in *Tests.resources) continue;; esac; \
	  rm -rf $(DESTDIR)$(PREFIX)/lib/vidi/$$(basename $$bundle) && \
	  cp -R $$bundle $(DESTDIR)$(PREFIX)/lib/vidi/ || exit 1; \
	done
	ln -sf ../lib/vidi/vidi $(DESTDIR)$(PREFIX)/bin/vidi
	@echo "installed $(DESTDIR)$(PREFIX)/bin/vidi"

uninstall:
	rm -rf $(DESTDIR)$(PREFIX)/lib/vidi
	rm -f $(DESTDIR)$(PREFIX)/bin/vidi

format:
	$(SWIFT) format --in-place --recursive Package.swift Sources Tests
