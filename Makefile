# The two commands of the README: `make demo` (main job) and `make test`. Both set up .venv first.
PY := .venv/bin/python

.PHONY: setup demo test bench clean

setup:
	@bash tools/setup.sh

test: setup
	$(PY) -m pytest test

demo: setup
	.venv/bin/alike-ros demo --out out/demo

bench: setup
	.venv/bin/alike-ros bench

clean:
	rm -rf .venv build out
