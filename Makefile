# The README's commands. Every target sets the machine up first (idempotent).
UV := python3 -m uv
PY_DIRS := brandradar crawlers nlp index dashboards dags tests scripts benchmarks

.PHONY: setup demo test test-fast test-long test-deployment lint eval bench clean finetune fuzz

setup:
	@bash scripts/setup.sh

demo: setup
	$(UV) run brandradar demo

lint: setup
	$(UV) run ruff check $(PY_DIRS)
	$(UV) run python scripts/typecheck.py

# Two pytest-xdist workers; tests sharing a run or a server stay on one (tests/conftest.py).
TEST_WORKERS ?= 2
XDIST := -n $(TEST_WORKERS) --dist loadgroup

test: setup lint
	$(UV) run pytest $(XDIST) -m "not quality and not deployment and not long"

# The end-to-end runs of minutes each (about 9 minutes; CI runs them after make test).
test-long: setup
	$(UV) run pytest $(XDIST) -m long

# The pipeline DAG on a real Airflow deployment started as processes: CeleryExecutor, two
# workers, the machine's PostgreSQL and Redis (a few minutes; CI runs it after make test).
test-deployment: setup
	$(UV) run pytest -m deployment

# Fuzz the feed, sitemap and HTML paths from real fixtures (a fixed seed and number of runs:
# the same run everywhere, about two minutes here); a crash is kept in tests/fixtures/fuzz/.
fuzz: setup
	PYTHONHASHSEED=0 $(UV) run python tests/fuzz/run.py feed 3000
	PYTHONHASHSEED=0 $(UV) run python tests/fuzz/run.py sitemap 60000
	PYTHONHASHSEED=0 $(UV) run python tests/fuzz/run.py html 2000

test-fast: setup
	$(UV) run pytest -m "not slow and not long and not browser and not quality and not deployment"

clean:
	rm -rf brandradar-demo test-artifacts .pytest_cache .mypy_cache .ruff_cache

eval: setup
	$(UV) run pytest -m quality
	$(UV) run python -m brandradar.crawlers.extraction_eval tests/fixtures/extraction docs/extraction_quality.md
	$(UV) run python -m brandradar.nlp.evaluation ../shared/data tests/fixtures/sentiment_en docs/quality.md
	$(UV) run python -m brandradar.nlp.project_head tests/fixtures/sentiment_en ../shared/data docs/quality.md build/e5-cache
	$(UV) run python -m brandradar.nlp.news_mentions score docs/quality.md
	$(UV) run python -m brandradar.nlp.events tests/fixtures/extraction tests/fixtures/extraction/zyte_events.jsonl docs/quality.md
	rm -rf build/eval-demo && $(UV) run brandradar demo --once --no-browser --workdir build/eval-demo
	$(UV) run python -m brandradar.index.alert_evaluation build/eval-demo docs/metrics.md

# Retrain the sentiment encoder's top layers and the per-language heads (needs the shared data:
# VADER, PotTS, RuSentNE, RuOpinionNE, CEDR; PyTorch is installed for this only and removed
# again by the next `make setup`).
SHARED := ../shared/data
VADER := $(SHARED)/sentiment_en_vader_groundtruth
finetune: setup
	$(UV) pip install --quiet --python .venv/bin/python $${PIP_FIND_LINKS:+--find-links $$PIP_FIND_LINKS} torch==2.13.0
	$(UV) run --no-sync python -m brandradar.nlp.finetune_encoder $(VADER)
	$(UV) run --no-sync python -m brandradar.nlp.train_sentiment $(VADER) build/e5-cache $(SHARED)

bench: setup
	$(UV) run python benchmarks/run.py
