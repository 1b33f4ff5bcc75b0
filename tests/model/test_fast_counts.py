import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from model.fast_counts import SMALL_BATCH, TermCounter

CORPUS = [
    "Kubernetes Cluster aufsetzen",
    "bitte die VM neu starten, danke!",
    "Können Sie CUDA 12 auf der GPU-VM installieren?",
    "a b c",
    "x",
    "the   plan\tquota\n\nis full",
    "ERROR 2026-12-01T10:00:00Z kubelet[123]: failed to pull image",
]
QUERIES = [
    *CORPUS,
    "",
    "   ",
    "Cluster Cluster Cluster aufsetzen aufsetzen",
    "ganz neue Wörter wie Überraschungsei",
    "ab",
    "a",
    "GPU\u00a0VM  \u2003 kaputt",
]


def assert_same(counter: TermCounter, vectorizer: CountVectorizer, texts: list[str]) -> None:
    expected = vectorizer.transform(texts)
    got = counter.counts(texts)
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got.indptr, expected.indptr)
    np.testing.assert_array_equal(got.indices, expected.indices)
    np.testing.assert_array_equal(got.data, expected.data)


@pytest.mark.parametrize(
    "vectorizer",
    [
        CountVectorizer(analyzer="char_wb", ngram_range=(2, 5)),
        CountVectorizer(analyzer="char_wb", ngram_range=(1, 3), strip_accents="unicode"),
        CountVectorizer(analyzer="char_wb", ngram_range=(4, 4), lowercase=False),
        CountVectorizer(analyzer="word", ngram_range=(1, 2)),
        CountVectorizer(analyzer="word", ngram_range=(2, 3), token_pattern=r"(?u)\b\w+\b"),
        CountVectorizer(analyzer="word", ngram_range=(1, 1)),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
    ],
    ids=lambda v: f"{v.analyzer}{v.ngram_range}",
)
def test_counts_equal_the_vectorizers_transform(vectorizer):
    vectorizer.fit(CORPUS)
    counter = TermCounter.of(vectorizer)
    assert counter is not None
    counts_of = CountVectorizer.transform  # a TfidfVectorizer's counts, before its weighting
    # One text, a message with its parts (a small batch) and a big batch are built in two ways.
    batches = [[q] for q in QUERIES] + [QUERIES, QUERIES * 3]
    assert len(QUERIES) <= SMALL_BATCH < len(QUERIES) * 3
    for batch in batches:
        expected = counts_of(vectorizer, batch)
        got = counter.counts(batch)
        np.testing.assert_array_equal(got.indptr, expected.indptr)
        np.testing.assert_array_equal(got.indices, expected.indices)
        np.testing.assert_array_equal(got.data, expected.data)


def test_a_cached_word_counts_the_same_the_second_time():
    vectorizer = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5)).fit(CORPUS)
    counter = TermCounter.of(vectorizer)
    assert counter is not None
    assert_same(counter, vectorizer, ["Cluster aufsetzen"])
    assert_same(counter, vectorizer, ["aufsetzen Cluster Cluster", "Cluster"])


def test_warming_with_a_word_vocabulary_keeps_those_words_and_counts_the_same():
    words = TermCounter.of(CountVectorizer(ngram_range=(1, 2)).fit(CORPUS))
    chars_vectorizer = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5)).fit(CORPUS)
    chars = TermCounter.of(chars_vectorizer)
    assert words is not None and chars is not None
    assert "cluster" in words.words and all(" " not in w for w in words.words)  # single words, no bigrams
    assert chars.words == []
    chars.warm(words.words)
    words.warm(words.words)  # a word vectoriser has no character cache: nothing to do
    assert chars._columns.cache_info().currsize == len(words.words)
    assert words._columns.cache_info().currsize == 0
    assert_same(chars, chars_vectorizer, QUERIES)


@pytest.mark.parametrize(
    "vectorizer",
    [
        CountVectorizer(analyzer="char", ngram_range=(2, 3)),
        CountVectorizer(analyzer=str.split),
        CountVectorizer(binary=True),
        CountVectorizer(stop_words=["die"]),
        CountVectorizer(input="filename"),
    ],
    ids=["char", "callable", "binary", "stop_words", "filename"],
)
def test_other_set_ups_are_left_to_scikit_learn(vectorizer):
    if vectorizer.input == "content":
        vectorizer.fit(CORPUS)
    assert TermCounter.of(vectorizer) is None
