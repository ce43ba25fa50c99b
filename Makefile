# Thin, discoverable targets. Each installs what it needs by itself.
.PHONY: install demo test lint bench dist clean

install:
	@scripts/install.sh

demo: install
	@scripts/demo.sh

test: install
	@scripts/test.sh

lint: install
	@.venv/bin/ruff check .

bench: install
	@scripts/bench.sh

dist: install
	@scripts/dist.sh

clean:
	rm -rf .venv demo-output .run transforms/target dist
