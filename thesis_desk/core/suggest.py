"""Passages that likely bear on a thesis's pillars, from the library.

Ranking is passage-level BM25 (sentences, so a suggestion is something a person can file
as it stands) of the pillar's own words, plus the thesis's title and claim at a lower
weight, with Snowball stemming (valuation/valuations, allocate/allocation), a small finance
vocabulary that joins what analysts write in several ways (capex and capital expenditure,
P/E and valuation multiple), a lift for passages naming the thesis's company, and the
query widened by the distinctive words of its own best passages (pseudo-relevance
feedback). Measured on the demo (benchmarks/suggest.py):
the share of the hand-filed quotes of the Alibaba thesis found among the top 10 of their
pillar, rebuilt without its evidence.

Library-wide, the candidate documents come from the full-text index first (the best
documents for any of the pillars' words), so the work is bounded by what is read, not by
the library's size. Passages already filed as evidence on the thesis, and passages a
person dismissed for a pillar, are left out.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import select, text

from thesis_desk.core.db import Database
from thesis_desk.core.errors import NotFoundError
from thesis_desk.core.models import Dismissal, Document, Evidence, Pillar, Thesis
from thesis_desk.core.records import DocumentInfo
from thesis_desk.core.timeutil import utcnow

CANDIDATE_DOCUMENTS = 60  # documents read per thesis, best by the full-text index
MAX_PASSAGE = 700
MIN_PASSAGE = 30
K1, B = 1.2, 0.75
# Weights chosen on the demo's three theses (benchmarks/suggest.py prints the figures;
# there is no held-out set, so they are the demo's best, not a promise).
CONTEXT_WEIGHT = 0.2  # the thesis's title, claim and narrative, against the pillar's words
SUBJECT_WEIGHT = 0.5  # a passage naming the thesis's company scores this much more
FEEDBACK = 0.5  # weight of the words the best passages add to a query
FEEDBACK_DOCS = 5
FEEDBACK_TERMS = 15
ECHO = 0.5  # a passage this much made of the thesis's own word runs restates it
SHINGLE = 4

_STOP = frozenset("""a about above after again against all also am an and any are as at be
because been before being below between both but by can could did do does doing down during
each few for from further had has have having he her here hers him his how i if in into is it
its itself just me more most my no nor not now of off on once only or other our ours out over
own same she should so some such than that the their theirs them then there these they this
those through to too under until up very was we were what when where which while who whom why
will with would you your yours once starts start seen keep keeps stay stays become becomes
per via one two three its it's than rather much many""".split())

# Ways of writing the same thing, joined to one term (a query and a passage alike).
_PHRASES = [
    (re.compile(r"\bcapital\s+expenditures?\b|\bcapital\s+spending\b|\bcapex\b", re.I), " capex "),
    (re.compile(r"\bp\s*/\s*e\b|\bprice[-\s]to[-\s]earnings\b|\bpe\s+ratio\b", re.I),
     " pe valuation multiple "),
    (re.compile(r"\bre-?rat(?:e|es|ed|ing)\b|\brevaluation\b|\brevalu(?:e|ed|es)\b", re.I),
     " rerate valuation "),
    (re.compile(r"\bexport\s+controls?\b|\bsanctions?\b", re.I), " exportcontrol "),
    (re.compile(r"\bchips?\b|\bgpus?\b|\bsemiconductors?\b|\bhardware\b", re.I), " compute "),
    (re.compile(r"\bllms?\b|\blarge\s+(?:language\s+)?models?\b", re.I), " model "),
    (re.compile(r"\bearnings\s+(?:report|release|call)\b|\bquarterly\s+results\b|"
                r"\bresults\s+(?:announcement|day)\b", re.I), " earningsreport "),
    (re.compile(r"\be-?commerce\b", re.I), " ecommerce "),
    (re.compile(r"\bartificial\s+intelligence\b", re.I), " ai "),
    (re.compile(r"\bcloud\s+computing\b", re.I), " cloud "),
]
_SYNONYMS = {  # a term and what it also stands for in a query
    "valuation": ("multiple", "pe", "rerate", "discount"),
    "value": ("valuation",),
    "return": ("revenue", "profit", "margin", "growth"),
    "spend": ("capex", "investment"),
    "invest": ("capex", "spend"),
    "capex": ("spend", "investment"),
    "competitive": ("competition", "rank", "score", "benchmark"),
    "model": ("benchmark",),
    "compute": ("exportcontrol",),
    "exportcontrol": ("compute",),
    "geopolitic": ("exportcontrol", "tariff"),
    "market": ("investor",),
    "growth": ("surge", "rise", "increase", "gain", "jump", "accelerate"),
    "grow": ("surge", "rise", "increase", "gain", "jump", "accelerate"),
    "rise": ("surge", "increase", "gain", "jump", "grow"),
    "fall": ("drop", "decline", "slump", "shrink"),
    "decline": ("drop", "fall", "slump", "shrink"),
    "outrun": ("exceed", "surpass", "outpace", "overtake"),
    "exceed": ("surpass", "outpace", "outrun"),
    "revenue": ("sales", "income"),
    "profit": ("earnings", "income", "margin"),
}
_WORD = re.compile(r"[a-z0-9]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)\]]*\s+(?=[\"“‘(]?[A-Z0-9])|\n\s*\n|\n(?=[A-Z])")


def _stemmer():  # noqa: ANN202
    import snowballstemmer

    return snowballstemmer.stemmer("english")


_STEMMER = _stemmer()
_STEMS: dict[str, str] = {}


def stem(word: str) -> str:
    """Snowball's English stem (allocation/allocate, valuations/valuation, earns/earnings
    meet), remembered: a library has few distinct words."""
    got = _STEMS.get(word)
    if got is None:
        got = _STEMS[word] = _STEMMER.stemWord(word)
    return got


_STEMMED_SYNONYMS = {stem(k): tuple(stem(v) for v in vs) for k, vs in _SYNONYMS.items()}


def terms(text_: str) -> list[str]:
    """A text's terms: phrases joined, lower case, stop words out, stemmed."""
    for pattern, repl in _PHRASES:
        text_ = pattern.sub(repl, text_)
    return [stem(w) for w in _WORD.findall(text_.lower()) if w not in _STOP and len(w) > 1]


def expand(words: Iterable[str]) -> Counter[str]:
    """A query's terms with what each stands for, the stand-ins at half weight."""
    q: Counter[str] = Counter()
    for w in words:
        q[w] += 1.0
        for alt in _STEMMED_SYNONYMS.get(w, ()):
            q[alt] += 0.5
    return q


@dataclass(frozen=True)
class Passage:
    document_id: int
    start: int
    end: int
    text: str


def passages(document_id: int, text_: str) -> list[Passage]:
    """A document's sentences (a long one cut at MAX_PASSAGE, a short one joined to the
    next), with their offsets in the text."""
    out: list[Passage] = []
    pos = 0
    pending = -1
    bounds = sorted({m.start() for m in _SENTENCE_END.finditer(text_)}
                    | set(_run_together(text_))) + [len(text_)]
    for end in bounds:
        start = pending if pending >= 0 else pos
        chunk = text_[start:end]
        lead = len(chunk) - len(chunk.lstrip())
        s, e = start + lead, start + len(chunk.rstrip())
        pos = end
        if e - s < MIN_PASSAGE and end < len(text_):
            pending = s if e > s else -1
            continue
        pending = -1
        while e - s > MAX_PASSAGE:  # a run-on: cut at a space
            cut = text_.rfind(" ", s, s + MAX_PASSAGE)
            cut = cut if cut > s + MIN_PASSAGE else s + MAX_PASSAGE
            out.append(Passage(document_id, s, cut, text_[s:cut]))
            s = cut + 1
        if e > s:
            out.append(Passage(document_id, s, e, text_[s:e]))
    return out


_JOINED = re.compile(r"\b([A-Za-z]*[a-z]{2})([A-Z][a-z]{2,})\b")


def _run_together(text_: str) -> list[int]:
    """Where two sentences were pasted together without a stop or a space ("in
    ChinaThis indicates"): the second half is a word the document uses on its own, the
    first a word of four letters or one it uses too ("OpenAI", "iPhone", "DeepSeek" stay
    whole; a passage boundary is all this moves)."""
    joins = list(_JOINED.finditer(text_))
    if not joins:
        return []
    vocabulary = set(_WORD.findall(text_.lower()))
    return [m.start(2) for m in joins
            if m[2].lower() in vocabulary and (len(m[1]) >= 4 or m[1].lower() in vocabulary)]


@dataclass(frozen=True)
class Query:
    """What one pillar asks the library."""

    pillar_id: int
    kind: str
    own: Counter[str]
    context: Counter[str]
    subject: frozenset[str] = frozenset()  # the companies the thesis is about
    text: str = ""  # the pillar's own words, as written
    # the thesis's own words in runs (``shingles``): a passage made of them is left out
    own_words: frozenset[tuple[str, ...]] = frozenset()


_CAPITALISED = re.compile(r"\b[A-Z][a-zA-Z]{2,}\b")


def make_query(pillar_id: int, kind: str, pillar_text: str,
               thesis_terms: Sequence[str]) -> Query:
    """A pillar's query; ``thesis_terms``: ``terms`` of the thesis's title, claim and
    narrative (worked out once for all its pillars). Its subject and own words are the
    ranker's to add (``_suggest``)."""
    own = expand(terms(pillar_text))
    context = expand(t for t in thesis_terms if t not in own)
    return Query(pillar_id, kind, own, context, text=pillar_text)


class Ranker:
    """BM25 over a pool of passages (statistics of the pool itself)."""

    def __init__(self, pool: Sequence[Passage]):
        self.pool = pool
        self.tf = [Counter(terms(p.text)) for p in pool]
        self.lengths = [sum(c.values()) for c in self.tf]
        self.avg = (sum(self.lengths) / len(self.lengths)) if pool else 1.0
        df: Counter[str] = Counter()
        for c in self.tf:
            df.update(c.keys())
        n = len(pool)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        # each term's BM25 share in each passage holding it, worked out once: a query
        # is then sums over its terms' postings (a thousand pillars against one document)
        self.postings: dict[str, list[tuple[int, float]]] = {}
        for i, c in enumerate(self.tf):
            norm = K1 * (1 - B + B * self.lengths[i] / (self.avg or 1.0))
            for t, f in c.items():
                self.postings.setdefault(t, []).append(
                    (i, self.idf[t] * f * (K1 + 1) / (f + norm)))
        self._names: dict[str, list[str]] = {}
        self._grams: dict[int, set[tuple[str, ...]]] = {}

    def names(self, *texts: str) -> frozenset[str]:
        """The capitalised words of ``texts`` the pool writes capitalised in mid-sentence
        nearly always: proper names ("Alibaba"), not a title's capitals ("Revaluation")."""
        found = set()
        for word in {w for t in texts for w in _CAPITALISED.findall(t)}:
            if word.lower() in _STOP:
                continue
            known = self._names.get(word)
            if known is not None:
                found.update(known)
                continue
            pattern = re.compile(rf"(?<=[a-z,;] )(?i:{re.escape(word)})\b")
            upper = lower = 0
            for p in self.pool:
                for m in pattern.finditer(p.text):
                    if m.group(0)[0].isupper():
                        upper += 1
                    else:
                        lower += 1
            self._names[word] = terms(word) if upper >= 2 and upper >= 4 * lower else []
            found.update(self._names[word])
        return frozenset(found)

    def grams(self, i: int) -> set[tuple[str, ...]]:
        """Passage ``i``'s runs of SHINGLE words (remembered)."""
        got = self._grams.get(i)
        if got is None:
            got = self._grams[i] = shingles(self.pool[i].text)
        return got

    def restates(self, i: int, own: set[tuple[str, ...]]) -> bool:
        """Passage ``i`` is mostly the thesis's own words (its title, claim, narrative or
        a pillar, word for word: a memo of the thesis in the library), not evidence."""
        grams = self.grams(i)
        return bool(grams) and len(grams & own) >= ECHO * len(grams)

    def _scores(self, query: Counter[str], into: dict[int, float], weight: float = 1.0,
                only: dict[int, float] | None = None) -> dict[int, float]:
        """BM25 of ``query`` added into ``into`` per passage (only those in ``only``)."""
        for t, w in query.items():
            for i, share in self.postings.get(t, ()):
                if only is None or i in only:
                    into[i] = into.get(i, 0.0) + weight * w * share
        return into

    def rank(self, q: Query, limit: int, skip: set[tuple[int, int]] | None = None
             ) -> list[tuple[float, Passage]]:
        """The ``limit`` best passages; with FEEDBACK, the query is first widened by the
        distinctive words of its best few passages (pseudo-relevance feedback)."""
        if FEEDBACK:
            first = self._rank(q, FEEDBACK_DOCS, skip)
            extra: Counter[str] = Counter()
            for _score, i in first:
                for t, n in self.tf[i].items():
                    extra[t] += n * self.idf.get(t, 0.0)
            widened = Counter(q.own)
            for t, w in extra.most_common(FEEDBACK_TERMS):
                if t not in widened:
                    widened[t] = FEEDBACK
            q = replace(q, own=widened)
        return [(score, self.pool[i]) for score, i in self._rank(q, limit, skip)]

    def _rank(self, q: Query, limit: int, skip: set[tuple[int, int]] | None
              ) -> list[tuple[float, int]]:
        own = self._scores(q.own, {})
        total = self._scores(q.context, dict(own), CONTEXT_WEIGHT, only=own)
        scored = []
        for i, score in total.items():
            p = self.pool[i]
            if skip and (p.document_id, p.start) in skip:
                continue
            if q.subject and not q.subject.isdisjoint(self.tf[i]):
                score *= 1 + SUBJECT_WEIGHT
            if score > 0:
                scored.append((score, i))
        scored.sort(key=lambda x: (-x[0], x[1]))
        best: list[tuple[float, int]] = []
        for score, i in scored:
            if not (q.own_words and self.restates(i, q.own_words)):
                best.append((score, i))
                if len(best) == limit:
                    break
        return best


def shingles(text_: str) -> set[tuple[str, ...]]:
    """The text's runs of SHINGLE words, lower case (a short text: itself, whole)."""
    words = _WORD.findall(text_.lower())
    if len(words) <= SHINGLE:
        return {tuple(words)} if words else set()
    return {tuple(words[k:k + SHINGLE]) for k in range(len(words) - SHINGLE + 1)}


@dataclass(frozen=True)
class Suggestion:
    pillar_id: int
    pillar_kind: str
    pillar_text: str
    document: DocumentInfo
    start: int
    end: int
    passage: str
    page: int | None
    score: float


def overlaps(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


class SuggestionService:
    def __init__(self, db: Database):
        self.db = db

    def for_thesis(self, thesis_id: int, *, document_id: int | None = None,
                   limit: int = 10) -> list[Suggestion]:
        """Per pillar (pillars, kill criteria, catalysts and risks), the ``limit`` best
        passages of the library (or of one document) not yet filed on the thesis nor
        dismissed for the pillar, best first."""
        with self.db.read() as s:
            t = s.get(Thesis, thesis_id)
            if t is None:
                raise NotFoundError(f"Thesis {thesis_id} does not exist.")
            theses = self._theses(s, [thesis_id])
            if not theses:
                return []
            if document_id is None:
                doc_ids = self._candidates(s, [q for _t, qs in theses.values() for q in qs])
            else:
                doc_ids = [document_id]
            pool, infos, offsets = _pool(s, doc_ids)
            filed, dismissed = _left_out(s, theses)
        return _suggest(theses[thesis_id], Ranker(pool), filed.get(thesis_id, _Filed()),
                        dismissed, infos, offsets, limit)

    def for_document(self, document_id: int, *, limit: int = 3) -> dict[int, list[Suggestion]]:
        """A newly arrived document against every draft and active thesis: per thesis,
        the best ``limit`` passages of it for each pillar that has any. One read, and the
        document's passages weighed once for all of them."""
        with self.db.read() as s:
            ids = s.scalars(select(Thesis.id).where(Thesis.status.in_(("active", "draft")))
                            ).all()
            theses = self._theses(s, ids)
            pool, infos, offsets = _pool(s, [document_id])
            filed, dismissed = _left_out(s, theses, document_id)
        ranker = Ranker(pool)
        found = {}
        for tid, thesis in theses.items():
            got = _suggest(thesis, ranker, filed.get(tid, _Filed()), dismissed, infos, offsets,
                           limit)
            if got:
                found[tid] = got
        return found

    @staticmethod
    def _theses(s, ids: Sequence[int]) -> dict[int, tuple[tuple[str, str], list[Query]]]:  # noqa: ANN001
        """Each thesis's (title, claim and narrative) and one query per pillar. The thesis
        as its author wrote it: its evidence is what is looked for, so it is not asked."""
        theses: dict[int, tuple[tuple[str, str], list[Query]]] = {}
        if not ids:
            return theses
        rows = s.execute(select(Thesis.id, Thesis.title, Thesis.claim, Thesis.narrative)
                         .where(Thesis.id.in_(ids))).all()
        texts = {tid: (title, f"{claim}\n{_own_words(narrative)}")
                 for tid, title, claim, narrative in rows}
        words = {tid: terms(f"{title} {claim}") for tid, (title, claim) in texts.items()}
        for pid, tid, kind, ptext in s.execute(
                select(Pillar.id, Pillar.thesis_id, Pillar.kind, Pillar.text)
                .where(Pillar.thesis_id.in_(ids)).order_by(Pillar.position, Pillar.id)):
            theses.setdefault(tid, (texts[tid], []))[1].append(
                make_query(pid, kind, ptext, words[tid]))
        return theses

    def _candidates(self, s, queries: Sequence[Query]) -> list[int]:  # noqa: ANN001
        """The documents the full-text index ranks best for any of the pillars' words."""
        words = sorted({t for q in queries for t in q.own if len(t) > 2})
        if not words:
            return []
        if self.db.is_server:
            rows = s.execute(text(
                "SELECT d.id FROM document d, to_tsquery('english', :q) q "
                "WHERE d.search @@ q ORDER BY ts_rank(d.search, q) DESC LIMIT :n"),
                {"q": " | ".join(re.sub(r"\W", "", w) + ":*" for w in words),
                 "n": CANDIDATE_DOCUMENTS}).all()
        else:
            rows = s.execute(text(
                "SELECT rowid FROM document_fts WHERE document_fts MATCH :q "
                "ORDER BY bm25(document_fts, 5.0, 1.0) LIMIT :n"),
                {"q": " OR ".join(f'"{w}"*' for w in words), "n": CANDIDATE_DOCUMENTS}).all()
        return [r[0] for r in rows]

    def dismiss(self, pillar_id: int, document_id: int, start: int, end: int) -> None:
        """Not suggested again for this pillar."""
        with self.db.write() as s:
            if s.get(Pillar, pillar_id) is None:
                raise NotFoundError(f"Pillar {pillar_id} does not exist.")
            exists = s.scalar(select(Dismissal.id).where(
                Dismissal.pillar_id == pillar_id, Dismissal.document_id == document_id,
                Dismissal.start_offset == start))
            if exists is None:
                s.add(Dismissal(pillar_id=pillar_id, document_id=document_id,
                                start_offset=start, end_offset=end, created_at=utcnow()))

    def undismiss(self, pillar_id: int, document_id: int, start: int) -> None:
        with self.db.write() as s:
            for d in s.scalars(select(Dismissal).where(
                    Dismissal.pillar_id == pillar_id, Dismissal.document_id == document_id,
                    Dismissal.start_offset == start)):
                s.delete(d)


def _pool(s, doc_ids: Sequence[int]):  # noqa: ANN001, ANN202
    """The documents' passages (a heading that is the title is no evidence: left out;
    so is a thesis memo imported back, which is analysis, not research), their details
    and page offsets."""
    from thesis_desk.core.library import document_info
    from thesis_desk.core.memo import MEMO_TITLE_MARK

    docs = [d for d in s.scalars(select(Document).where(Document.id.in_(doc_ids)))
            if MEMO_TITLE_MARK not in d.title] if doc_ids else []
    pool = [p for d in docs for p in passages(d.id, d.text)
            if p.text.strip() != d.title.strip() or p.text.rstrip()[-1:] in ".!?"]
    return (pool, {d.id: document_info(d) for d in docs},
            {d.id: d.page_offsets for d in docs})


@dataclass
class _Filed:
    """A thesis's evidence as suggestions must leave it out: the spans it quotes, per
    document, and the quotes themselves (a memo in the library repeats them)."""

    spans: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    quotes: list[str] = field(default_factory=list)


def _left_out(s, theses: dict, document_id: int | None = None):  # noqa: ANN001, ANN202
    """(filed, dismissed): per thesis its ``_Filed``; and the (pillar, document, start) a
    person dismissed."""
    ids = list(theses)
    pillar_ids = [q.pillar_id for _t, qs in theses.values() for q in qs]
    filed: dict[int, _Filed] = {}
    for tid, doc, a, b, quote in s.execute(
            select(Evidence.thesis_id, Evidence.document_id, Evidence.start_offset,
                   Evidence.end_offset, Evidence.quote).where(Evidence.thesis_id.in_(ids))):
        mine = filed.setdefault(tid, _Filed())
        mine.quotes.append(quote)
        if doc is not None and a is not None and b is not None and (
                document_id is None or doc == document_id):
            mine.spans.setdefault(doc, []).append((a, b))
    dismissed = set(s.execute(select(Dismissal.pillar_id, Dismissal.document_id,
                                     Dismissal.start_offset)
                              .where(Dismissal.pillar_id.in_(pillar_ids))).all()) \
        if pillar_ids else set()
    return filed, dismissed


def _suggest(thesis: tuple[tuple[str, str], list[Query]], ranker: Ranker,
             filed: _Filed, dismissed: set[tuple[int, int, int]],
             infos: dict[int, DocumentInfo], offsets: dict, limit: int) -> list[Suggestion]:
    """Per pillar of one thesis, its best passages of the ranker's pool."""
    (title, claim), raw = thesis
    names = ranker.names(title, claim)
    # the thesis's own words: title, claim and narrative, pillars, its evidence's quotes
    own = frozenset(set().union(shingles(title), *(shingles(line) for line in
                                                   re.split(r"[.\n!?]", claim)),
                                *(shingles(q.text) for q in raw),
                                *(shingles(quote) for quote in filed.quotes)))
    already = {(p.document_id, p.start) for p in ranker.pool if any(
        overlaps(p.start, p.end, a, b) >= 0.5 * min(p.end - p.start, b - a)
        for a, b in filed.spans.get(p.document_id, ()))} if filed.spans else set()
    out: list[Suggestion] = []
    for q0 in raw:
        q = replace(q0, subject=names, own_words=own)
        skip = already | {(d, a) for pid, d, a in dismissed if pid == q.pillar_id}
        for score, p in ranker.rank(q, limit, skip):
            out.append(Suggestion(q.pillar_id, q.kind, q.text, infos[p.document_id],
                                  p.start, p.end, p.text,
                                  _page(offsets[p.document_id], p.start), round(score, 3)))
    return out


def _own_words(narrative: str) -> str:
    """A narrative without the demo's sample-data line (it names the seeds, not the
    argument)."""
    from thesis_desk.core.demo import DEMO_NOTE

    return narrative.replace(DEMO_NOTE, "")


def _page(page_offsets: Sequence[int] | None, offset: int) -> int | None:
    from thesis_desk.core.extract import page_of

    return page_of(offset, list(page_offsets) if page_offsets else None)
