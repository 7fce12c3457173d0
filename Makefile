# opchat — the two commands a newcomer needs are `make test` and `make demo`.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
DEMO_DB ?= sqlite:./data/opchat.db
DEMO_CONFIG ?= config/demo.toml

.PHONY: all deps build test demo bench clean

all: build

deps:
	@tools/install-deps.sh

$(BUILD_DIR)/build.ninja:
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null

build: deps $(BUILD_DIR)/build.ninja
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# Every test, on SQLite and on a throwaway PostgreSQL cluster that the harness starts and stops.
test: build
	@tests/pg_harness.sh ctest --test-dir $(BUILD_DIR) --output-on-failure

# Builds, loads the demo data (idempotent) and serves it on 127.0.0.1:8080.
demo: build
	@$(BUILD_DIR)/opchat demo --config $(DEMO_CONFIG) --db $(DEMO_DB)
	@exec $(BUILD_DIR)/opchat serve --config $(DEMO_CONFIG) --db $(DEMO_DB)

clean:
	rm -rf $(BUILD_DIR)
