"""Recommendations with titles: fit on ML-1M (or ML-100K), then the top 10 of a user with
movie titles, and the movies most similar to one movie.

    python examples/python/recommend_with_titles.py PATH/TO/ml-1m/ratings.dat PATH/TO/ml-1m/movies.dat [USER]
"""

import sys

import rustrec


def read_titles(path):
    """movie id → title from movies.dat (`id::title::genres`) or u.item (`id|title|...`)."""
    titles = {}
    with open(path, encoding="latin-1") as f:
        for line in f:
            sep = "::" if "::" in line else "|"
            parts = line.rstrip("\n").split(sep)
            if len(parts) >= 2 and parts[0].strip().isdigit():
                titles[int(parts[0])] = parts[1]
    return titles


ratings_path, movies_path = sys.argv[1], sys.argv[2]
raw_user = int(sys.argv[3]) if len(sys.argv) > 3 else 1
titles = read_titles(movies_path)
data = rustrec.read_ratings(ratings_path).to_implicit(4.0)
model = rustrec.IALS(factors=64, iterations=15, reg=0.05, seed=1).fit(data)

user = list(model.user_ids).index(raw_user)
ids, scores = model.recommend(user, N=10)  # leaves out what the user has rated
print(f"Top 10 for user {raw_user}:")
for rank, (i, s) in enumerate(zip(ids, scores), 1):
    movie = int(model.item_ids[i])
    print(f"{rank:2d}. {titles.get(movie, movie)}  ({s:.3f})")

liked = data.to_csr()[user].indices[0]
similar, _ = model.similar_items(liked, N=6)
print(f"\nMovies like {titles.get(int(model.item_ids[liked]))}:")
for i in similar[1:]:
    print("  ", titles.get(int(model.item_ids[i])))
