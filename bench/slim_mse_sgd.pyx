# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""SLIM MSE trained by SGD: the recommender-systems course's Cython practice loop, written
from its description (typed memoryviews of the CSR profiles and COO samples, libc rand(),
a dense double[:, :] S; the profile includes the target item, as in the course).

For each of n_samples draws: pick a stored rating (u, i, r) at random; predict
r_hat = sum_{j in I(u)} r_uj * S[j, i]; err = r - r_hat; S[j, i] += lr * err * r_uj for j in I(u).
"""
from libc.stdlib cimport rand, srand


def seed(unsigned int s):
    srand(s)


def train_epoch(int[:] indptr, int[:] indices, double[:] data,
                int[:] coo_row, int[:] coo_col, double[:] coo_data,
                double[:, :] S, double learning_rate, long n_samples):
    """Runs n_samples SGD steps on S in place; returns the sum of squared errors."""
    cdef long n_nnz = coo_row.shape[0]
    cdef long s, index, k
    cdef int user, item, j
    cdef double r, r_hat, err, loss = 0.0
    with nogil:
        for s in range(n_samples):
            # As the course: one rand() (RAND_MAX is 2^31 - 1 with glibc, above any nnz here).
            index = rand() % n_nnz
            user = coo_row[index]
            item = coo_col[index]
            r = coo_data[index]
            r_hat = 0.0
            for k in range(indptr[user], indptr[user + 1]):
                r_hat = r_hat + S[indices[k], item] * data[k]
            err = r - r_hat
            loss = loss + err * err
            for k in range(indptr[user], indptr[user + 1]):
                j = indices[k]
                S[j, item] += learning_rate * err * data[k]
    return loss
