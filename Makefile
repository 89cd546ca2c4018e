# wirewatch: `make run` runs the whole system, `make test` installs and runs every check.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: help install tools kafka bench-tools run run-kafka test lint format bench bench-stream bench-ingest bench-start test-reliability schemas docs clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,bench]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install wirewatch with pinned dependencies

KUBECONFORM := .tools/bin/kubeconform

tools: $(KUBECONFORM) deploy/k8s/validate/node_modules  ## promtool (Debian), kubeconform (Go), KEDA's schema (npm)
	@{ command -v promtool && command -v prometheus; } >/dev/null || { \
	  [ "$$(id -u)" = 0 ] || { echo "promtool missing: run 'apt-get install prometheus' as root" >&2; exit 1; }; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null; }

$(KUBECONFORM):
	GOBIN=$(CURDIR)/.tools/bin go install github.com/yannh/kubeconform/cmd/kubeconform@v0.6.7

deploy/k8s/validate/node_modules: deploy/k8s/validate/package-lock.json
	npm ci --prefix deploy/k8s/validate --no-audit --no-fund --silent
	touch $@

run: $(STAMP)  ## run broker, topics and the three services; Ctrl-C stops all
	$(BIN)/wirewatch run

KAFKA_LIB := .kafka/lib
KAFKA_DATA ?= kafka-data

kafka: $(KAFKA_LIB)/.verified  ## Apache Kafka (KRaft) jars from Maven Central into .kafka/ (pinned in deploy/kafka/pom.xml)

$(KAFKA_LIB)/.verified: deploy/kafka/pom.xml
	rm -rf $(KAFKA_LIB)
	mvn -q -B -f deploy/kafka/pom.xml dependency:copy-dependencies \
	  -DoutputDirectory=$(CURDIR)/$(KAFKA_LIB) -DincludeScope=runtime
	test "$$(java -cp '$(KAFKA_LIB)/*' kafka.Kafka --version 2>/dev/null | tail -1)" = \
	  "$$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' deploy/kafka/pom.xml)"
	touch $@

run-kafka: $(STAMP) kafka  ## the same on Apache Kafka, its data kept in KAFKA_DATA (default kafka-data/)
	$(BIN)/wirewatch run --broker kafka --data-dir $(KAFKA_DATA)

lint: $(STAMP)  ## ruff, formatting, mypy strict, schema files up to date
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/wirewatch schemas --check
	$(BIN)/python -m wirewatch.tools.config_docs --check

test: lint tools kafka  ## install what is missing, lint, the whole suite on Tansu, integration again on Kafka, coverage
	rm -f .coverage .coverage.*
	$(BIN)/pytest -m 'not long' --cov --cov-report=
	$(BIN)/pytest --broker kafka -m 'integration and not kafka' tests/integration \
		--cov --cov-append --cov-report=term:skip-covered
	$(BIN)/python -m tests.coverage_floor

RELIABILITY_FORM ?= full
RELIABILITY_OWN_BROKER := tests/e2e/test_supervision.py tests/integration/test_brokerwatch.py

test-reliability: $(STAMP) kafka  ## the fault-injection suite on Tansu and on Kafka; its table into docs/reliability.md
	rm -f .bench/reliability/*-$(RELIABILITY_FORM).jsonl
	rc=0; \
	$(BIN)/pytest --reliability $(RELIABILITY_FORM) tests/reliability $(RELIABILITY_OWN_BROKER) || rc=1; \
	$(BIN)/pytest --reliability $(RELIABILITY_FORM) --broker kafka tests/reliability || rc=1; \
	$(BIN)/python -m tests.reliability.report --form $(RELIABILITY_FORM); exit $$rc

format: $(STAMP)  ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)  ## throughput of `wirewatch analyze` against raw spaCy nlp.pipe
	$(BIN)/python -m benchmarks.bench $(BENCH_ARGS)

bench-tools:  ## wrk, the HTTP load generator bench-stream uses (Debian's wrk package)
	@command -v wrk >/dev/null || { \
	  [ "$$(id -u)" = 0 ] || { echo "wrk missing: run 'apt-get install wrk' as root" >&2; exit 1; }; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null; }

bench-stream: $(STAMP) bench-tools  ## the running system measured from outside: latency, rates, memory, api
	$(BIN)/python -m benchmarks.stream $(BENCH_STREAM_ARGS)

bench-ingest: $(STAMP)  ## the ingest service alone on the embedded broker: articles/s and CPU per article
	$(BIN)/python -m benchmarks.ingest_alone $(BENCH_INGEST_ARGS)

bench-start: $(STAMP) kafka  ## each service's start time on Kafka with 0, 10k and 100k older raw articles
	$(BIN)/python -m benchmarks.start_time $(BENCH_START_ARGS)

schemas: $(STAMP)  ## regenerate schemas/ from the message models
	$(BIN)/wirewatch schemas

docs: $(STAMP)  ## regenerate docs/configuration.md from the settings' descriptions
	$(BIN)/python -m wirewatch.tools.config_docs

clean:  ## remove the virtual environment and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .bench .tools .kafka deploy/k8s/validate/node_modules
