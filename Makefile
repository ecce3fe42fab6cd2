# make demo | make test | make fuzz | make bench | make lint | make dist   (see README.md)
SHELL := /bin/bash
PYTHON ?= python3

.PHONY: test fuzz demo bench lint dist setup clean screenshots

setup:
	bash setup/ensure_odoo.sh
	bash setup/deps.sh
	bash setup/postgres.sh >/dev/null

test:
	bash setup/test.sh $(PYTEST_ARGS)

fuzz:
	bash setup/fuzz.sh $(PYTEST_ARGS)

demo:
	bash setup/demo.sh

bench:
	bash setup/bench.sh

lint:
	bash setup/lint.sh

dist:
	bash setup/dist.sh

# docs/screenshots from a running server (default: `make demo` on :8069)
screenshots:
	$(PYTHON) setup/screenshots.py

clean:
	rm -rf .pss
