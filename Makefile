# opchat — the two commands a newcomer needs are `make test` and `make demo`.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
# ctest entries at once: most tests wait on timers and sockets, so more than the cores.
TEST_JOBS ?= 4
DEMO_DB ?= sqlite:./data/opchat.db
DEMO_CONFIG ?= config/demo.toml

.PHONY: all deps build test test-asan fuzz demo bench deb test-deb clean

all: build

deps:
	@tools/install-deps.sh

$(BUILD_DIR)/build.ninja:
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null

build: deps $(BUILD_DIR)/build.ninja
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# Every test, on SQLite and on a throwaway PostgreSQL cluster that the harness starts and stops.
test: build
	@tools/npm-ci.sh tests/openapi tests/webhooks tests/console
	@tests/pg_harness.sh ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(TEST_JOBS)

# The Debian 12 package, build/opchat_<version>-1_<arch>.deb (packaging/deb).
deb: build
	@tools/install-deps.sh help2man
	@cmake --build $(BUILD_DIR) --target opchat_deb_files
	@cd $(BUILD_DIR) && cpack -G DEB >/dev/null
	@ls $(BUILD_DIR)/opchat_*.deb

# The package checked (systemd-analyze, lintian) and installed into a fresh Debian 12 root made
# by debootstrap, where it serves a signed request (tests/deb_test.sh).
test-deb: deb
	@tools/install-deps.sh lintian debootstrap systemd
	@tests/deb_test.sh $(BUILD_DIR)

# Builds, loads the demo data (idempotent) and serves it on 127.0.0.1:8080.
demo: build
	@$(BUILD_DIR)/opchat demo --config $(DEMO_CONFIG) --db $(DEMO_DB)
	@exec $(BUILD_DIR)/opchat serve --config $(DEMO_CONFIG) --db $(DEMO_DB)

# The whole suite again, built with AddressSanitizer + UndefinedBehaviorSanitizer; the browser
# tests, which check the page rather than the server's memory, only in `make test`.
test-asan: deps
	@cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DOPCHAT_SANITIZE=ON >/dev/null
	@cmake --build build-asan -j $(JOBS) --target opchat unit_tests storage_tests integration_tests
	@tools/npm-ci.sh tests/openapi tests/webhooks
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  tests/pg_harness.sh ctest --test-dir build-asan --output-on-failure -j $(TEST_JOBS) \
	  -E '^console_browser_'

# Each libFuzzer target for FUZZ_SECONDS (default 600), starting from the seed corpora in
# fuzz/corpus; findings are written to build-fuzz/findings/.
FUZZ_SECONDS ?= 600
fuzz: deps
	@tools/install-deps.sh clang-14 libclang-rt-14-dev libfuzzer-14-dev
	@CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOPCHAT_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target fuzz_http_request fuzz_api_bodies fuzz_canonical_query fuzz_config fuzz_websocket_frames
	@tools/run-fuzzers.sh build-fuzz $(FUZZ_SECONDS)

# Load benchmark against the shared kit's peers (node baseline, nginx ceiling); see docs/performance.md.
bench: build
	@bench/run-bench.sh

clean:
	rm -rf $(BUILD_DIR) build-asan build-fuzz
