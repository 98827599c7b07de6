# kubemonitor — two commands on a fresh Debian 12 machine:
#   make run    install what is missing, build, start server + agent on this host
#   make test   install what is missing, build, run every test (plus sanitizer builds)
#   make demo   (root) the same plus six fake pods with real load in two namespaces, no cluster needed
SHELL := /bin/bash
BUILD_DIR ?= build
ASAN_DIR ?= build-asan
TSAN_DIR ?= build-tsan
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 20
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
# What `make run` runs, and all it builds (not the tests and benchmarks: minutes less from a fresh clone).
RUN_TARGETS := kubemonitor-agent kubemonitor-server kubemonitor
# Test binaries that exercise threads (server, shipping queue): the TSan build runs these.
TSAN_TARGETS := server_test agent_test tsdb_test kube_test common_test

.PHONY: all deps build test test-release test-deploy test-asan test-tsan test-fuzz run demo bench bench-dashboard clean format lint

all: build

deps:
	@scripts/install-deps.sh

# scripts/build.sh is the one build recipe; deploy/docker/Dockerfile.* run it too.
build: deps
	SKIP_DEPS=1 JOBS=$(JOBS) scripts/build.sh $(BUILD_DIR) Release $(CMAKE_FLAGS)

# Each stage timed; the table at the end shows where the minutes go.
test: deps
	@scripts/timed-stages.sh test-release test-deploy test-asan test-tsan test-fuzz
	@echo "make test: all suites passed"

test-release: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure --timeout 600

# Deployment artefacts: kustomize renders and validates (Kubernetes schemas + project rules), the
# Dockerfiles match scripts/build.sh and the binaries' libraries, every script passes shellcheck.
test-deploy: build
	tests/deploy/check-deploy.sh $(BUILD_DIR)/bin

# ASan + UBSan over every unit test (the end-to-end suites run against the Release binaries).
# Timeouts (s) are for the runner, not assertions: the engine tests fill hours of history, ~7 CPU-min
# under ASan for tsdb_test, several times that under TSan.
test-asan: deps
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DKUBEMONITOR_SANITIZE=address,undefined \
	  -DKUBEMONITOR_BUILD_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(ASAN_DIR) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(ASAN_DIR) --output-on-failure --timeout 1800 -L unit

# TSan over the threaded parts only.
test-tsan: deps
	cmake -S . -B $(TSAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DKUBEMONITOR_SANITIZE=thread \
	  -DKUBEMONITOR_BUILD_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(TSAN_DIR) -j $(JOBS) --target $(TSAN_TARGETS)
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  ctest --test-dir $(TSAN_DIR) --output-on-failure --timeout 2400 -L threaded

# libFuzzer targets (clang, ASan+UBSan), each run for FUZZ_SECONDS from its seed corpus.
test-fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKUBEMONITOR_FUZZ=ON \
	  -DKUBEMONITOR_SANITIZE=address,undefined -DKUBEMONITOR_BUILD_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target fuzz_targets
	scripts/run-fuzzers.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

run: deps
	SKIP_DEPS=1 JOBS=$(JOBS) TARGETS="$(RUN_TARGETS)" scripts/build.sh $(BUILD_DIR) Release $(CMAKE_FLAGS)
	@scripts/run-local.sh $(BUILD_DIR)/bin

# Root, no cluster: fake pods of shop/web, shop/api and batch/worker from real cgroups with real CPU,
# memory, disk and network load, a Kubernetes API double naming them, server + agent. Ctrl-C removes
# everything. DEMO_FLAGS passes options, e.g. DEMO_FLAGS="--port 9090".
demo: build
	@$(BUILD_DIR)/bin/kubemonitor-demo $(DEMO_FLAGS)

bench: build
	$(BUILD_DIR)/bin/kubemonitor-bench all

# The dashboard with 10,000 pods in headless Chromium: one JSON line of timings (docs/benchmarks.md).
bench-dashboard: build
	KUBEMONITOR_SERVER=$(BUILD_DIR)/bin/kubemonitor-server node bench/dashboard/pods_10k.mjs

format:
	find src apps bench tests -name '*.cpp' -o -name '*.h' | xargs clang-format -i

# clang-tidy over every source file with the checks of .clang-tidy (slow; not part of make test).
lint: build
	find src apps bench -name '*.cpp' | xargs clang-tidy -p $(BUILD_DIR) --quiet

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(TSAN_DIR) $(FUZZ_DIR)
