PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Two stamps: serving needs only the runtime dependencies; tests and tools add the test extras on top.
RUNTIME := $(VENV)/.installed-runtime
STAMP := $(VENV)/.installed

.PHONY: serve test lint openapi fixtures bench soak clean

$(RUNTIME): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME)

$(STAMP): $(RUNTIME) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

serve: $(RUNTIME)
	$(BIN)/bland-sms-mock serve $(ARGS)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 3 --durations=15 $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python -m bench $(ARGS)

soak: $(STAMP)
	$(BIN)/python -m bench.soak $(ARGS)

openapi: $(STAMP)
	$(BIN)/python -m bland_sms_mock.contracts.openapi > openapi.yaml

fixtures: $(STAMP)
	$(BIN)/python -m bland_sms_mock.contracts.scenarios.json_schema > fixtures/scenario.schema.json
	$(BIN)/python -m bland_sms_mock.contracts.scenarios.seeds --out fixtures/seeds/busy_account.yaml

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
