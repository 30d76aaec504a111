# vhuman — the two commands a fresh machine needs: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
export PYOPENGL_PLATFORM ?= egl

.PHONY: setup demo serve-demo test bench bench-quick lint clean

setup:
	bash scripts/setup.sh

demo: setup
	$(PY) -m vhuman.stage.cli demo -o out/demo.mp4

# The server with the example talk show: viewer page at http://127.0.0.1:8000/
serve-demo: setup
	$(VENV)/bin/vhuman serve --rundown examples/shows/talk_show.yaml

test: setup
	$(PY) -m pytest -q

# Full figures (includes a 10-minute live run); bench-quick takes a few minutes.
bench: setup
	$(PY) -m bench.run

bench-quick: setup
	$(PY) -m bench.run --quick

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy models animation avatar dialogue stage

clean:
	rm -rf out bench/results/*.json .pytest_cache
