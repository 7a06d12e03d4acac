"""The overview of many inputs on one agenda item, computed from the texts alone: groups
of inputs that say the same thing, near-duplicates, key phrases, and per group one
sentence taken verbatim from one of its inputs. Nothing is written or summarised: the
delegate reads sources, not a model's words.

Vectors: TF-IDF (scikit-learn) over Dutch stems (Snowball). Groups: agglomerative
clustering, average linkage on cosine distance with a threshold, so the number of groups
follows from the inputs. Near-duplicates: rapidfuzz's token-sort ratio; they always share
a group. scikit-learn is imported inside `build_overview`: a web worker that never opens
a workspace does not load it."""

import hashlib
from collections import Counter
from dataclasses import dataclass, field

from consult.statements import overview_text as text

# Measured on tests/fixtures/overview (make bench): the cosine distance below which two
# groups merge, and the token-sort ratio from which two inputs are near-duplicates.
DISTANCE = 0.92
DUPLICATE = 82
MAX_PHRASES = 4
LONG_SENTENCE = 240


@dataclass(frozen=True)
class Entry:
    """One input as the overview sees it."""

    id: int
    text: str
    kind: str = ""
    region: str = ""
    place: str = ""  # the municipality (or else the author), to count who says the same


@dataclass
class Group:
    key: str
    ids: list[int]
    sentence: str
    source_id: int
    kinds: list[tuple[str, int]]
    regions: list[str]
    phrases: list[str]
    duplicates: list[list[int]] = field(default_factory=list)
    places: dict[int, str] = field(default_factory=dict)

    def same_words(self, ids: list[int]) -> int:
        """How many places (municipalities) a near-duplicate set speaks for."""
        return len({self.places.get(i) or i for i in ids})


@dataclass
class Overview:
    groups: list[Group]
    other: list[int]
    phrases: list[str]

    @property
    def grouped(self) -> int:
        return sum(len(group.ids) for group in self.groups)


def group_key(ids) -> str:
    """Names a group by its inputs: a changed set of inputs is another group."""
    return hashlib.sha1(",".join(map(str, sorted(ids))).encode()).hexdigest()[:12]


@dataclass
class _Space:
    """One item's inputs as vectors, and what the groups are read from."""

    entries: list[Entry]
    vectors: object  # sparse TF-IDF rows, L2-normalised
    vectorizer: object
    names: list[str]
    twins: list[int]
    sentences: list[tuple[int, str]]  # (index of the entry, one of its sentences)
    sentence_vectors: object  # their TF-IDF rows, in one transform for all groups


def build_overview(entries: list[Entry], distance: float = DISTANCE,
                   duplicate: int = DUPLICATE) -> Overview:
    if len(entries) < 2:
        return Overview([], [e.id for e in entries], [])
    from sklearn.feature_extraction.text import TfidfVectorizer  # heavy: loaded on first use

    vectorizer = TfidfVectorizer(analyzer=_given, sublinear_tf=True)
    try:
        vectors = vectorizer.fit_transform([text.stems(e.text) for e in entries])
    except ValueError:  # no input has a single content word
        return Overview([], [e.id for e in entries], [])
    sentences = [(i, s) for i, e in enumerate(entries) for s in text.usable_sentences(e.text)]
    space = _Space(entries, vectors, vectorizer, list(vectorizer.get_feature_names_out()),
                   near_duplicates([e.text for e in entries], duplicate), sentences,
                   vectorizer.transform([text.stems(s) for _, s in sentences]))
    members: dict[int, list[int]] = {}
    for index, label in enumerate(cluster(vectors, space.twins, distance)):
        members.setdefault(label, []).append(index)
    groups, other = [], []
    for indexes in sorted(members.values(), key=lambda m: (-len(m), m[0])):
        if len(indexes) < 2:
            other.append(entries[indexes[0]].id)
        else:
            groups.append(make_group(space, indexes))
    return Overview(groups, sorted(other), key_phrases(space, range(len(entries))))


def _given(terms: list[str]) -> list[str]:
    """The analyzer of pre-stemmed texts: they are already lists of terms."""
    return terms


def near_duplicates(texts: list[str], cutoff: int) -> list[int]:
    """Per input, the index of the first input it is a near-duplicate of (itself when
    none): union-find over all pairs with a token-sort ratio of at least `cutoff`."""
    from rapidfuzz import fuzz, process

    # Sorting the words once and comparing with ratio is token_sort_ratio, done once.
    normal = [" ".join(sorted(text.normalised(t).split())) for t in texts]
    scores = process.cdist(normal, normal, scorer=fuzz.ratio, score_cutoff=cutoff, workers=1)
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(*scores.nonzero(), strict=True):
        if i < j and normal[i]:
            a, b = root(int(i)), root(int(j))
            parent[max(a, b)] = min(a, b)
    return [root(i) for i in range(len(texts))]


def cluster(vectors, twins: list[int], distance: float) -> list[int]:
    """Cluster labels: average linkage on cosine distance; near-duplicates at distance 0."""
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering

    distances = np.clip(1.0 - (vectors @ vectors.T).toarray(), 0.0, 1.0)
    twin = np.asarray(twins)
    distances[twin[:, None] == twin[None, :]] = 0.0
    model = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average",
                                    distance_threshold=distance)
    return [int(label) for label in model.fit_predict(distances)]


def make_group(space: _Space, indexes: list[int]) -> Group:
    chosen = [space.entries[i] for i in indexes]
    sentence, source_id = representative(space, indexes)
    kinds = Counter(e.kind for e in chosen if e.kind)
    by_twin: dict[int, list[int]] = {}
    for i in indexes:
        by_twin.setdefault(space.twins[i], []).append(space.entries[i].id)
    return Group(
        key=group_key(e.id for e in chosen), ids=[e.id for e in chosen], sentence=sentence,
        source_id=source_id, kinds=kinds.most_common(),
        regions=sorted({e.region for e in chosen if e.region}),
        phrases=key_phrases(space, indexes),
        duplicates=[ids for ids in by_twin.values() if len(ids) > 1],
        places={e.id: e.place for e in chosen})


def representative(space: _Space, indexes: list[int]) -> tuple[str, int]:
    """The sentence, from one of the group's inputs, closest to what the group has in
    common (its TF-IDF centroid); long sentences count for less. (sentence, input id)"""
    import numpy as np

    members = set(indexes)
    rows = [row for row, (i, _) in enumerate(space.sentences) if i in members]
    centroid = np.asarray(space.vectors[indexes].mean(axis=0)).ravel()
    scores = space.sentence_vectors[rows] @ centroid
    best, best_score = rows[0], -1.0
    for row, score in zip(rows, scores, strict=True):
        sentence = space.sentences[row][1]
        score = float(score) * (1.0 if len(sentence) <= LONG_SENTENCE else 0.7)
        if score > best_score:
            best, best_score = row, score
    index, sentence = space.sentences[best]
    return sentence, space.entries[index].id


def key_phrases(space: _Space, indexes) -> list[str]:
    """The terms with the most weight in these inputs that at least two of them use,
    written as these inputs wrote them most often; two of them that stand side by side
    in at least two inputs become one phrase ("common ground")."""
    import numpy as np

    surface = text.Surface()
    for i in indexes:
        surface.add(space.entries[i].text)
    part = space.vectors[list(indexes)]
    weight = np.asarray(part.sum(axis=0)).ravel()
    used_by = np.asarray((part > 0).sum(axis=0)).ravel()
    top = [space.names[j] for j in np.argsort(-weight, kind="stable")[:MAX_PHRASES * 3]
           if used_by[j] >= 2][:MAX_PHRASES]
    phrases: list[str] = []
    done: set[str] = set()
    for first in top:
        if first in done:
            continue
        done.add(first)
        pair = next(((second, found) for second in top if second not in done
                     for found in [surface.pair(first, second) or surface.pair(second, first)]
                     if found), None)
        if pair:
            done.add(pair[0])
        phrase = pair[1] if pair else surface.of(first)
        if not any(phrase in p or p in phrase for p in phrases):
            phrases.append(phrase)
    return phrases
