"""Term counts of a fitted CountVectorizer (the fast path's counting step), the same matrix as its transform.

scikit-learn's counting runs in Python, one dictionary lookup per n-gram: for the character n-grams (2 to 5 within
each word) that was half of a batch's time. Character n-grams "within word boundaries" depend on nothing but the
word, so each word's column indices are computed once and kept in a bounded cache: chat messages reuse a small set
of words. Word n-grams are looked up as scikit-learn does, without its per-n-gram exception handling. Each row's
duplicates are summed and its indices sorted (np.unique for a small batch, scipy for a big one). `TermCounter.of`
returns None for a vectoriser set up in any other way (its own analyser, stop words, binary counts, bytes input);
the caller then uses scikit-learn's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

WORD_CACHE_SIZE = 50_000  # words whose character n-gram columns are kept: a few MiB at most
SMALL_BATCH = 16  # up to this many texts (a message and its parts) each row is built on its own
_NO_COLUMNS = np.zeros(0, dtype=np.int32)


def _unique_counts(columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(columns, return_counts=True), without its generic checks (a tenth of a long message's counting)."""
    ordered = np.sort(columns)
    starts = np.empty(len(ordered) + 1, dtype=bool)
    starts[0] = starts[-1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:-1])
    edges = np.flatnonzero(starts)
    return ordered[edges[:-1]], np.diff(edges)


@dataclass(frozen=True)
class CsrRows:
    """A few rows in CSR form (sorted indices), before they become one scipy matrix: building a matrix checks its
    arrays, about 12 µs each time, and a message went through three of them."""

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    shape: tuple[int, int]

    def to_csr(self) -> sp.csr_matrix:
        """The scipy matrix of these rows (sharing the arrays)."""
        return sp.csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)


@dataclass(frozen=True)
class TermCounter:
    """`counts(texts)` equals `CountVectorizer.transform(vectorizer, texts)` for the vectoriser it was made of."""

    vocabulary: dict[str, int]
    preprocess: Callable[[str], str]
    tokenize: Callable[[str], list[str]] | None  # word n-grams; None: character n-grams within words
    ngram_range: tuple[int, int]
    dtype: type
    _columns: Callable[[str], np.ndarray] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_columns", lru_cache(maxsize=WORD_CACHE_SIZE)(self._word_columns))

    @classmethod
    def of(cls, vectorizer: CountVectorizer) -> TermCounter | None:
        """The counter for a fitted word or char_wb vectoriser with the default input, or None."""
        vec = vectorizer
        plain = vec.input == "content" and vec.stop_words is None and not vec.binary and not callable(vec.analyzer)
        if not plain or vec.analyzer not in ("word", "char_wb") or not hasattr(vec, "vocabulary_"):
            return None
        return cls(
            vocabulary=vec.vocabulary_,
            preprocess=vec.build_preprocessor(),
            tokenize=vec.build_tokenizer() if vec.analyzer == "word" else None,
            ngram_range=tuple(vec.ngram_range),
            dtype=vec.dtype,
        )

    @property
    def words(self) -> list[str]:
        """The single words of a word vectoriser's vocabulary (none for character n-grams)."""
        return [] if self.tokenize is None else [term for term in self.vocabulary if " " not in term]

    def warm(self, words: Sequence[str]) -> None:
        """Keep the character n-gram columns of `words` now (at most half the cache: live traffic keeps the rest),
        so that a model just loaded counts the words it was trained on as fast as one that has run a while."""
        if self.tokenize is None:
            for word in words[: WORD_CACHE_SIZE // 2]:
                self._columns(word)

    def counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        """The term-count matrix of `texts` (rows in order, columns the vocabulary's)."""
        if len(texts) <= SMALL_BATCH:
            return self.small_counts(texts).to_csr()
        rows = [self._text_columns(text) for text in texts]
        cols = np.concatenate(rows) if rows else _NO_COLUMNS
        row_of = np.repeat(np.arange(len(rows), dtype=np.int32), [len(row) for row in rows])
        counts = sp.csr_matrix((np.ones(len(cols), dtype=self.dtype), (row_of, cols)), shape=self._shape(rows))
        counts.sum_duplicates()  # canonical: summed and sorted, as scikit-learn's sort_indices leaves it
        return counts

    def small_counts(self, texts: Sequence[str]) -> CsrRows:
        """counts() of a message and its parts as CSR arrays: each row summed and sorted on its own, without the
        COO round trip (about a tenth of a long message's time; for a big batch one round trip is less)."""
        rows = [self._text_columns(text) for text in texts]
        indices, data, indptr = [], [], [0]
        for row in rows:
            unique, count = _unique_counts(row)
            indices.append(unique)
            data.append(count)
            indptr.append(indptr[-1] + len(unique))
        return CsrRows(
            data=np.concatenate(data).astype(self.dtype) if data else np.zeros(0, self.dtype),
            indices=np.concatenate(indices) if indices else _NO_COLUMNS,
            indptr=np.asarray(indptr, dtype=np.int32),
            shape=self._shape(rows),
        )

    def _shape(self, rows: list[np.ndarray]) -> tuple[int, int]:
        return len(rows), len(self.vocabulary)

    def _text_columns(self, text: str) -> np.ndarray:
        if self.tokenize is not None:
            return np.asarray(self._word_ngram_columns(self.tokenize(self.preprocess(text))), dtype=np.int32)
        # CountVectorizer collapses white space first (_white_spaces), which split() needs not.
        words = self.preprocess(text).split()
        # Joining the cached arrays in C: building an array from a Python list of the columns took longer.
        return np.concatenate([self._columns(word) for word in words]) if words else _NO_COLUMNS

    def _word_columns(self, word: str) -> np.ndarray:
        """The columns of one word's character n-grams (CountVectorizer._char_wb_ngrams, then the vocabulary)."""
        min_n, max_n = self.ngram_range
        padded = f" {word} "
        size = len(padded)
        # Every n-gram that fits; a word shorter than the smallest n is counted once, whole.
        grams = [padded[i : i + n] for n in range(min_n, min(max_n, size) + 1) for i in range(size - n + 1)] or [padded]
        get = self.vocabulary.get
        columns = np.array([c for c in map(get, grams) if c is not None], dtype=np.int32)
        columns.flags.writeable = False  # shared by every text with this word, through the cache
        return columns

    def _word_ngram_columns(self, tokens: list[str]) -> list[int]:
        """The columns of a text's word n-grams (CountVectorizer._word_ngrams, then the vocabulary)."""
        min_n, max_n = self.ngram_range
        grams = list(tokens) if min_n == 1 else []
        for n in range(max(min_n, 2), min(max_n, len(tokens)) + 1):
            grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
        get = self.vocabulary.get
        return [c for c in map(get, grams) if c is not None]
