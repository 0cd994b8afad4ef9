#!/usr/bin/env bash
# Ranking quality of the ML-1M item models and BPR-MF side by side, on one protocol:
# ratings.dat with positives = ratings >= THRESHOLD (default 4; 1 takes every rating),
# 80/20 random holdout (seed 42, as each config), full ranking of all items with the user's
# training items excluded, cutoff 10. Each model keeps its config's hyperparameters
# (examples/ml1m-*.toml); only data.implicit_threshold is overridden, so every model sees the
# same training and test sets.
#   bench/ml1m_ranking_table.sh PATH/TO/ml-1m [THRESHOLD]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=${1:?usage: ml1m_ranking_table.sh PATH/TO/ml-1m [THRESHOLD]}
threshold=${2:-4}
(cd "$root" && cargo build --release -q -p rustrec-cli)
printf '%-22s %8s %8s %8s %9s %8s %7s\n' config "P@10" "R@10" "NDCG@10" "train_s" "eval_s" users
for c in ml1m-itemknn ml1m-slim-mse-ranking ml1m-ease ml1m-asysvd ml1m-hybrid ml1m-bpr; do
  "$root/target/release/rustrec" fit --config "$root/examples/$c.toml" --data-dir "$data" \
    --set data.implicit_threshold="$threshold" --set 'eval.cutoffs=[10]' --json 2>/dev/null | tail -1 |
    python3 -c "import json,sys; d=json.load(sys.stdin); print('%-22s %8.4f %8.4f %8.4f %9.2f %8.2f %7d' % ('$c', d['precision@10'], d['recall@10'], d['ndcg@10'], d['train_seconds'], d['eval_seconds'], d['users_evaluated']))"
done
