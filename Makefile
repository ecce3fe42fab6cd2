# make demo | make test | make fuzz | make bench | make lint | make dist   (see README.md)
# make oca-test: each addon's tests under Odoo's own runner | make pot: i18n templates
SHELL := /bin/bash
PYTHON ?= python3

.PHONY: test fuzz demo bench lint dist setup clean screenshots oca-test pot reencrypt

setup:
	bash setup/ensure_odoo.sh
	bash setup/deps.sh
	bash setup/postgres.sh >/dev/null

test:
	bash setup/test.sh $(PYTEST_ARGS)

# Odoo's runner (odoo -i <addon> --test-enable), one fresh database per addon:
# OCA_ADDONS="pss_core pss_api" for some only (about 1-3 min per addon).
oca-test:
	bash setup/oca_runner.sh $(OCA_ADDONS)

# Refresh addons/<addon>/i18n/<addon>.pot (tests/test_i18n_pot.py checks them).
pot:
	bash setup/pot.sh $(POT_ADDONS)

fuzz:
	bash setup/fuzz.sh $(PYTEST_ARGS)

# Encrypt every stored payload with the current key (after a key rotation).
reencrypt:
	bash setup/reencrypt.sh

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
