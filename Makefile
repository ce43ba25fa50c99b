# Thin, discoverable targets. Each installs what it needs by itself.
.PHONY: install demo test lint artefacts bench dist docs mutate clean

install:
	@scripts/install.sh

demo: install
	@scripts/demo.sh

test: install
	@scripts/test.sh

lint: install
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .
	@.venv/bin/mypy

# Regenerate every connector's committed spec, catalogs, schemas, README settings table and meltano.yml settings.
artefacts: install
	@.venv/bin/python -m tieout_core.artefacts

bench: install
	@scripts/bench.sh

dist: install
	@scripts/dist.sh

# connector-core's reference documentation from its docstrings (pdoc), into connector-core/docs/ (not committed;
# `make test` builds it too and fails on a warning or a public name without a docstring).
docs: install
	@.venv/bin/python -m tieout_core._docs connector-core/docs

# Mutation testing of the money, ledger, state and exception code (not part of `make test`; long: pick with MUTATE_TARGETS).
mutate: install
	@scripts/mutate.sh

clean:
	rm -rf .venv demo-output .run transforms/target dist connector-core/docs
