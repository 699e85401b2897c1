# sockgrade: the front door.
#   make grade        grade every lab that has specs/<lab>.yaml and submissions/<lab>/
#   make selfcheck    SUBMISSION=<folder>: a student's check of one submission
#   make test         unit tests (Check) and end-to-end tests on the samples
#   make coverage     the harness's own coverage, as HTML, in reports/coverage/
#   make slurm        SPEC=... SHARDS=N: grade one lab on a Slurm cluster (harness/slurm.sh)
#   make import       LAB=<lab> FROM=<zip or folder>: an LMS download into submissions/<lab>/
#   make gradescope   LAB=<lab>: reports/gradescope/<lab>-autograder.zip (harness/platform/)
#   make prairielearn LAB=<lab>: reports/prairielearn/<lab>/, serverFilesCourse/ and tests/
# Every variable the project reads is listed in README.md.

SPEC ?=
SUBMISSIONS ?=
SUBMISSION ?=
LAB ?=
REPORTS ?= reports
ONLY ?=
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FORCE ?= 0
VERBOSE ?= 0
SEED ?=
TIME_SCALE ?=
WERROR ?= 0
COVERAGE ?= 1
BROWSER ?= 1
SANDBOX ?=
FROM ?=
FORMAT ?=
# the Canvas gradebook column, 'Name (id)': read by the grader from the environment
CANVAS_ASSIGNMENT ?=
export CANVAS_ASSIGNMENT

CC ?= cc
BUILD ?= build
BUILD_PKGS := libyaml-dev libjansson-dev libarchive-dev pkg-config
TEST_PKGS := check lcov python3 libxml2-utils util-linux
# make gradescope / make prairielearn: the package is zipped with python3
PLATFORM_PKGS := python3
# grading with coverage (the default) needs lcov; COVERAGE=0 needs nothing more
GRADE_PKGS := $(if $(filter 0,$(COVERAGE)),,lcov)

# snprintf truncation is meant (error buffers); only compilers that know the warning are told
NO_TRUNC := $(shell $(CC) -Werror -Wno-format-truncation -E -x c /dev/null >/dev/null 2>&1 && echo -Wno-format-truncation)
WARN := -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes -Wmissing-prototypes $(NO_TRUNC)
ifeq ($(WERROR),1)
WARN += -Werror
endif
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O2 $(WARN) -MMD -MP
YAML_CFLAGS = $(shell pkg-config --cflags yaml-0.1 2>/dev/null)
YAML_LIBS = $(shell pkg-config --libs yaml-0.1 2>/dev/null || echo -lyaml) -lutil
JANSSON_CFLAGS = $(shell pkg-config --cflags jansson 2>/dev/null)
JANSSON_LIBS = $(shell pkg-config --libs jansson 2>/dev/null || echo -ljansson)
ARCHIVE_CFLAGS = $(shell pkg-config --cflags libarchive 2>/dev/null)
ARCHIVE_LIBS = $(shell pkg-config --libs libarchive 2>/dev/null || echo -larchive)
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)
VARIANT_CFLAGS ?=
VARIANT_LDFLAGS ?=

# the harness: harness/*.c and its folders (harness/probe/, ...); the tests build apart
LIB_SRCS := $(filter-out harness/main.c harness/tests/%,$(wildcard harness/*.c harness/*/*.c))
TEST_SRCS := $(wildcard harness/tests/check_*.c)
OBJS := $(LIB_SRCS:harness/%.c=$(BUILD)/%.o)
TEST_OBJS := $(TEST_SRCS:harness/tests/%.c=$(BUILD)/tests/%.o)
BIN := $(BUILD)/sockgrade
TEST_BIN := $(BUILD)/check_sockgrade

ALL_SPECS := $(wildcard specs/*.yaml)
SUBMISSIONS_ROOT = $(or $(SUBMISSIONS),submissions)
GRADABLE = $(foreach s,$(ALL_SPECS),$(if $(wildcard $(SUBMISSIONS_ROOT)/$(basename $(notdir $(s)))/.),$(s)))

# what decides the results, wherever the grader runs (make grade, the shards of make slurm)
GRADE_FLAGS = $(if $(SEED),--seed $(SEED)) $(if $(TIME_SCALE),--time-scale $(TIME_SCALE)) \
	$(if $(filter 0,$(COVERAGE)),--no-coverage) $(if $(SANDBOX),--sandbox $(SANDBOX)) \
	$(if $(filter 1,$(FORCE)),--force)
RUN_FLAGS = --reports $(REPORTS) --jobs $(JOBS) $(GRADE_FLAGS) \
	$(if $(filter 1,$(VERBOSE)),--verbose) $(if $(ONLY),--only '$(ONLY)')

.PHONY: all grade selfcheck test unit e2e selfcheck-tests rerun-tests import-tests determinism layout isolation slurm-tests browser sanitize coverage deps test-deps grade-deps clean check-specs bench student-kit slurm import gradescope prairielearn platform-tests cgroup2-vm
.DEFAULT_GOAL := all

all: deps $(BIN)

# ---- dependencies: install as root, else say what to run ----
deps:
	@./harness/deps.sh $(BUILD_PKGS)

test-deps:
	@./harness/deps.sh $(TEST_PKGS)

# not root and no lcov: grade all the same, without coverage, and say which package gives it
grade-deps:
	@$(if $(GRADE_PKGS),./harness/deps.sh --for coverage $(GRADE_PKGS) || true)

# ---- the harness ----
# a folder's files include the harness's headers by name: -iquote harness; under make -j the
# headers are installed (deps) before anything compiles
$(BUILD)/%.o: harness/%.c | $(BUILD) deps
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(VARIANT_CFLAGS) $(YAML_CFLAGS) $(JANSSON_CFLAGS) $(ARCHIVE_CFLAGS) -iquote harness -c $< -o $@

$(BUILD)/tests/%.o: harness/tests/%.c | $(BUILD) test-deps
	@mkdir -p $(BUILD)/tests
	$(CC) $(BASE_CFLAGS) $(VARIANT_CFLAGS) $(CHECK_CFLAGS) -Iharness -c $< -o $@

$(BUILD):
	@mkdir -p $(BUILD)

$(BIN): $(OBJS) $(BUILD)/main.o
	$(CC) $(VARIANT_LDFLAGS) -o $@ $^ $(YAML_LIBS) $(JANSSON_LIBS) $(ARCHIVE_LIBS)

$(TEST_BIN): $(OBJS) $(TEST_OBJS)
	$(CC) $(VARIANT_LDFLAGS) -o $@ $^ $(YAML_LIBS) $(JANSSON_LIBS) $(ARCHIVE_LIBS) $(CHECK_LIBS)

-include $(OBJS:.o=.d) $(TEST_OBJS:.o=.d) $(BUILD)/main.d

# ---- grading ----
grade: all grade-deps
ifneq ($(SPEC),)
	$(BIN) grade $(RUN_FLAGS) $(if $(SUBMISSIONS),--submissions '$(SUBMISSIONS)') '$(SPEC)'
else
	@test -n "$(GRADABLE)" || { echo "sockgrade: no lab has both specs/<lab>.yaml and submissions/<lab>/"; exit 2; }
	$(BIN) grade $(RUN_FLAGS) $(if $(SUBMISSIONS),--submissions-root '$(SUBMISSIONS)') $(GRADABLE)
endif

# In a student kit there is one spec and a submission/ folder: make selfcheck needs no arguments.
ifeq ($(SUBMISSION),)
SUBMISSION := $(if $(wildcard submission/.),submission)
endif
SELF_LAB = $(or $(LAB),$(if $(filter 1,$(words $(ALL_SPECS))),$(basename $(notdir $(ALL_SPECS))),$(notdir $(patsubst %/,%,$(dir $(abspath $(SUBMISSION)))))))
selfcheck: all grade-deps
	@test -n "$(SUBMISSION)" || { echo "sockgrade: say which folder to check: make selfcheck SUBMISSION=<folder>"; exit 2; }
	@test -f "specs/$(SELF_LAB).yaml" || { echo "sockgrade: no spec 'specs/$(SELF_LAB).yaml' (the lab is taken from the folder's parent; give LAB=<lab>)"; exit 2; }
	$(BIN) selfcheck $(RUN_FLAGS) 'specs/$(SELF_LAB).yaml' '$(SUBMISSION)'

# An LMS download (Canvas, Moodle, Blackboard, or a folder per student) into $(SUBMISSIONS_ROOT)/<lab>/.
import: all
	@test -n "$(LAB)" -a -n "$(FROM)" || { echo "sockgrade: say what to import: make import LAB=<lab> FROM=<zip or folder> [FORMAT=canvas|moodle|blackboard|folders]"; exit 2; }
	@test -f "$(or $(SPEC),specs/$(LAB).yaml)" || { echo "sockgrade: no spec '$(or $(SPEC),specs/$(LAB).yaml)'"; exit 2; }
	$(BIN) import $(if $(FORMAT),--format '$(FORMAT)') $(if $(SUBMISSIONS),--submissions-root '$(SUBMISSIONS)') '$(or $(SPEC),specs/$(LAB).yaml)' '$(FROM)'

check-specs: all
	$(BIN) check $(ALL_SPECS)

# One lab on a Slurm cluster: a job array of SHARDS shards and a merge job (harness/slurm.sh).
SHARDS ?= 4
THROTTLE ?=
RETRY ?= 0
SBATCH_ARGS ?=
slurm: all
	@test -n "$(SPEC)" || { echo "sockgrade: say which lab: make slurm SPEC=specs/<lab>.yaml SUBMISSIONS=<dir> REPORTS=<dir> SHARDS=N"; exit 2; }
	THROTTLE='$(THROTTLE)' RETRY='$(RETRY)' SBATCH_ARGS='$(SBATCH_ARGS)' \
		SOCKGRADE_JOBS='$(if $(filter command line environment,$(origin JOBS)),$(JOBS))' \
		./harness/slurm.sh $(BIN) '$(SPEC)' '$(SUBMISSIONS)' '$(REPORTS)' '$(SHARDS)' $(GRADE_FLAGS)

# ---- tests ----
test: all test-deps $(TEST_BIN)
	@$(MAKE) --no-print-directory unit e2e selfcheck-tests rerun-tests import-tests determinism layout isolation slurm-tests platform-tests

unit: $(TEST_BIN)
	CK_DEFAULT_TIMEOUT=30 $(TEST_BIN)

e2e: $(BIN)
	BROWSER=$(BROWSER) ./harness/tests/e2e.sh $(BIN)

selfcheck-tests: $(BIN)
	./harness/tests/selfcheck.sh $(BIN)

# A class graded again, and submissions whose shape is an attack (deep, many files).
rerun-tests: $(BIN)
	./harness/tests/rerun.sh $(BIN)

# The harness's layout: no include cycle between its modules; its map names what exists;
# no file past 1,000 lines without its reason, no function past 100.
layout:
	./harness/tests/include_cycles.sh
	./harness/tests/readme_paths.sh
	./harness/tests/sizes.sh

# LMS downloads in (hostile archives among them), graded, and the gradebook files out.
import-tests: $(BIN)
	./harness/tests/import.sh $(BIN)

# The timing-sensitive samples graded 10 times: every probe's verdict the same every run.
determinism: $(BIN)
	./harness/tests/determinism.sh $(BIN)

# Hostile submissions against the root sandbox (as root: CI runs as root).
isolation: $(BIN)
	./harness/tests/isolation.sh $(BIN)

# A class graded in shards through make slurm on a one-node cluster of its own (as root).
slurm-tests: $(BIN)
	./harness/tests/slurm.sh $(BIN)

# The harness under AddressSanitizer and UBSan: unit tests and a grading of every sample.
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
sanitize: deps test-deps
	$(MAKE) --no-print-directory BUILD=$(BUILD)-asan VARIANT_CFLAGS="$(SAN_FLAGS) -O1" \
		VARIANT_LDFLAGS="$(SAN_FLAGS)" $(BUILD)-asan/sockgrade $(BUILD)-asan/check_sockgrade
	CK_DEFAULT_TIMEOUT=120 $(BUILD)-asan/check_sockgrade
	BROWSER=0 ./harness/tests/e2e.sh $(BUILD)-asan/sockgrade

# Coverage of the harness itself: a separate build folder, never mixed objects.
coverage: deps test-deps
	@rm -rf $(BUILD)-cov/*.gcda $(BUILD)-cov/*/*.gcda
	$(MAKE) --no-print-directory BUILD=$(BUILD)-cov VARIANT_CFLAGS="--coverage -O0" \
		VARIANT_LDFLAGS="--coverage" $(BUILD)-cov/sockgrade $(BUILD)-cov/check_sockgrade
	-CK_DEFAULT_TIMEOUT=60 $(BUILD)-cov/check_sockgrade
	-BROWSER=0 ./harness/tests/e2e.sh $(BUILD)-cov/sockgrade
	@mkdir -p reports/coverage
	lcov --quiet --capture --directory $(BUILD)-cov --rc lcov_branch_coverage=1 \
		--output-file $(BUILD)-cov/coverage.info
	lcov --quiet --remove $(BUILD)-cov/coverage.info '*/tests/*' '/usr/*' \
		--rc lcov_branch_coverage=1 --output-file $(BUILD)-cov/coverage.info
	genhtml --quiet --branch-coverage --legend --title sockgrade \
		--output-directory reports/coverage $(BUILD)-cov/coverage.info
	@echo "coverage: reports/coverage/index.html"

# The cost of grading a generated class, next to the compile-only floor (figures, not asserts).
BENCH_SIZE ?= 200
BENCH_LABS ?= hello echo
bench: all
	./harness/bench.sh $(BIN) $(JOBS) $(BENCH_SIZE) $(BENCH_LABS)

# The reports of make grade as others read them; screenshots in $(REPORTS)/screenshots/.
browser: $(BIN)
	python3 harness/tests/validate_results.py $(REPORTS)
	./harness/tests/browser.sh $(REPORTS) $(BIN)

student-kit: all
	@test -n "$(LAB)" || { echo "sockgrade: say which lab: make student-kit LAB=<lab>"; exit 2; }
	./harness/kit.sh $(BIN) $(LAB) $(REPORTS)

# A lab's package for a hosted grader: the reference recorded here, no reference source in it.
gradescope prairielearn: all
	@test -n "$(LAB)" || { echo "sockgrade: say which lab: make $@ LAB=<lab>"; exit 2; }
	@./harness/deps.sh $(PLATFORM_PKGS)
	./harness/platform/pack.sh $@ $(BIN) '$(LAB)' $(REPORTS)

# Both packages run in an emulated container: caps dropped, namespaces refused, 768 MB (as root).
platform-tests: $(BIN) $(BUILD)/nons
	./harness/tests/platform.sh $(BIN) $(BUILD)/nons

# The root sandbox on a real cgroup v2 kernel: a Debian kernel in a QEMU guest (KVM, else TCG)
# with cgroup2 alone, the host's / read-only over 9p; the cgroup and sandbox unit suites and
# isolation.sh in it (as root; PARTS=..., VM_TIMEOUT=s, VM_ACCEL=kvm|tcg, VM_BUILD=guest|host).
cgroup2-vm:
	./harness/tests/cgroup2-vm.sh

# the test's stand-in for Docker's default profile: CAP_SYS_ADMIN dropped, namespaces refused
$(BUILD)/nons: harness/tests/nons.c | $(BUILD)
	$(CC) $(BASE_CFLAGS) -o $@ $<

clean:
	rm -rf $(BUILD) $(BUILD)-cov $(BUILD)-asan
