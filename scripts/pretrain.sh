#!/usr/bin/env bash
# Reproduces models/mistral-tune-tiny from nothing but Debian packages and this repository:
#   1. the corpus (scripts/build-pretrain-corpus.ts → tmp/pretrain-corpus, through `mistral-tune prepare`),
#   2. the random init (scripts/pretrain-init.ts, seed 0, models/mistral-tune-tiny/recipe/model-config.json),
#   3. pre-training with `mistral-tune train` (models/mistral-tune-tiny/recipe/pretrain.yaml: full, cosine),
#   4. the bf16 export into models/mistral-tune-tiny (scripts/pretrain-export.ts).
# Needs: apt-get install -y bible-kjv bible-kjv-text wordnet-base jargon-text fortunes dict-devil python3.11-doc sqlite3-doc
#   postgresql-doc-15 perl-doc; `npm run build` done.
# Extra arguments go to `mistral-tune train` (e.g. --device cuda --max_steps 5000 on the GPU machine).
set -euo pipefail
cd "$(dirname "$0")/.."
node --import tsx scripts/build-pretrain-corpus.ts --out tmp/pretrain-corpus
rm -rf tmp/pretrain-init # an earlier run's init: saveModelFolder writes over no file
node --import tsx scripts/pretrain-init.ts models/mistral-tune-tiny/recipe/model-config.json tmp/pretrain-init --seed 0
node bin/mistral-tune.js train models/mistral-tune-tiny/recipe/pretrain.yaml --overwrite "$@"
node --import tsx scripts/pretrain-export.ts tmp/pretrain-run/model models/mistral-tune-tiny
