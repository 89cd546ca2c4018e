"""From YAML text to compiled rules; every error names the rule and the field."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from wirewatch.core.analysis.entities.actors import name_key
from wirewatch.core.analysis.rules import nodes as n
from wirewatch.core.analysis.rules.doc import forms
from wirewatch.core.analysis.rules.evaluate import Rule, RuleError, RuleSet, ShiftSpec
from wirewatch.core.analysis.rules.spec import ActorSpec, RuleFile, RuleSpec, WatchEntry

GROUPS = {"any": n.AnyNode, "all": n.AllNode, "none": n.NoneNode}
OPTIONS = {
    "near": {"within", "sentence"},
    "weighted": set(),
    "actor": set(),
    "term": set(),
    "relevance": set(),
}
OPERATORS = set(GROUPS) | set(OPTIONS)
Watchlists = dict[str, frozenset[tuple[str, ...]]]


def _fail(rule: str, path: str, msg: str) -> RuleError:
    return RuleError(f"rule {rule!r}: {path}: {msg}")


def _pydantic(rule: str, exc: ValidationError, prefix: str = "") -> RuleError:
    err = exc.errors(include_url=False)[0]
    loc = ".".join(str(p) for p in err["loc"]) or "(rule)"
    return _fail(rule, prefix + loc, err["msg"])


class Compiler:
    def __init__(self, nlp: Any, watchlists: Watchlists, defaults_cooldown: float):
        self.nlp = nlp
        self.watchlists = watchlists
        self.cooldown = defaults_cooldown
        self.rule = "?"

    def term(self, text: Any, path: str) -> n.Term:
        if not isinstance(text, str) or not text.strip():
            raise _fail(self.rule, path, "a term must be a non-empty string")
        words: list[n.Word] = []
        for part in text.split():
            words.extend(self.words(part, text, path))
        common = text == text.lower()
        return n.Term(text.strip().lower().replace("=", ""), tuple(words), common)

    def words(self, part: str, text: str, path: str) -> list[n.Word]:
        """One whitespace-separated part of a term: `word*` a prefix, `=word` the exact
        text, else every word spaCy splits it into, by text or lemma."""
        exact = part.startswith("=")
        bare = part.removeprefix("=")
        if part.endswith("*") and part.count("*") == 1 and len(bare) > 1 and not exact:
            return [n.Word(prefix=part[:-1].lower())]
        if "*" in part or "=" in bare or not bare:
            raise _fail(self.rule, path, f"`*` may only end a word, `=` only start one: {text!r}")
        tokens = self.nlp(bare)
        if exact:
            return [n.Word(frozenset({t.lower_}), exact=True) for t in tokens]
        return [n.Word(frozenset(forms(t))) for t in tokens]

    def node(self, value: Any, path: str) -> n.Node:
        if isinstance(value, str):
            return n.TermNode(self.term(value, path))
        if isinstance(value, list):
            return n.AnyNode(self.children(value, path))
        if not isinstance(value, dict):
            raise _fail(self.rule, path, "expected a term, a list of conditions or a mapping")
        ops = sorted(set(value) & OPERATORS)
        if len(ops) != 1:
            raise _fail(
                self.rule, path, f"expected exactly one of {sorted(OPERATORS)}, got {sorted(value)}"
            )
        op = ops[0]
        unknown = set(value) - {op} - OPTIONS.get(op, set())
        if unknown:
            raise _fail(self.rule, path, f"unknown option(s) for {op}: {sorted(unknown)}")
        build: Callable[[dict[str, Any], str], n.Node] = getattr(self, f"_{op}")
        return build(value, f"{path}.{op}")

    def children(self, value: Any, path: str) -> tuple[n.Node, ...]:
        if not isinstance(value, list) or not value:
            raise _fail(self.rule, path, "expected a non-empty list")
        return tuple(self.node(v, f"{path}[{i}]") for i, v in enumerate(value))

    def _any(self, value: dict[str, Any], path: str) -> n.Node:
        return n.AnyNode(self.children(value["any"], path))

    def _all(self, value: dict[str, Any], path: str) -> n.Node:
        return n.AllNode(self.children(value["all"], path))

    def _none(self, value: dict[str, Any], path: str) -> n.Node:
        return n.NoneNode(self.children(value["none"], path))

    def _term(self, value: dict[str, Any], path: str) -> n.Node:
        return n.TermNode(self.term(value["term"], path))

    def _weighted(self, value: dict[str, Any], path: str) -> n.Node:
        spec = value["weighted"]
        if not isinstance(spec, dict) or set(spec) - {"terms", "threshold", "count"}:
            raise _fail(self.rule, path, "expected {terms: {term: weight}, threshold, count}")
        terms, threshold = spec.get("terms"), spec.get("threshold")
        if not isinstance(terms, dict) or not terms:
            raise _fail(self.rule, f"{path}.terms", "expected a mapping of term to weight")
        if any(not isinstance(w, int | float) or w <= 0 for w in terms.values()):
            raise _fail(self.rule, f"{path}.terms", "weights must be positive numbers")
        if not isinstance(threshold, int | float) or threshold <= 0:
            raise _fail(self.rule, f"{path}.threshold", "expected a positive number")
        count = spec.get("count", "distinct")
        if count not in ("distinct", "occurrences"):
            raise _fail(self.rule, f"{path}.count", "expected `distinct` or `occurrences`")
        compiled = tuple((self.term(t, f"{path}.terms.{t}"), float(w)) for t, w in terms.items())
        return n.WeightedNode(compiled, float(threshold), count == "occurrences")

    def _near(self, value: dict[str, Any], path: str) -> n.Node:
        pair = self.children(value["near"], path)
        if len(pair) != 2:
            raise _fail(self.rule, path, "expected exactly two conditions")
        within, sentence = value.get("within"), value.get("sentence", False)
        if (within is None) == (sentence is not True):
            raise _fail(self.rule, path, "give either `within: N` (words) or `sentence: true`")
        if within is not None and (not isinstance(within, int) or within < 0):
            raise _fail(self.rule, f"{path}.within", "expected a whole number of words >= 0")
        return n.NearNode(pair[0], pair[1], within, sentence is True)

    def _relevance(self, value: dict[str, Any], path: str) -> n.Node:
        from wirewatch.core.analysis import relevance

        spec = value["relevance"]
        if not isinstance(spec, dict) or set(spec) != {"desk", "above"}:
            raise _fail(self.rule, path, "expected {desk: NAME, above: 0..1}")
        desks = relevance.shared().desks
        if spec["desk"] not in desks:
            raise _fail(self.rule, f"{path}.desk", f"the model knows only {sorted(desks)}")
        above = spec["above"]
        if not isinstance(above, int | float) or not 0 <= above <= 1:
            raise _fail(self.rule, f"{path}.above", "expected a number from 0 to 1")
        return n.RelevanceNode(spec["desk"], float(above))

    def _actor(self, value: dict[str, Any], path: str) -> n.Node:
        try:
            spec = ActorSpec.model_validate(value["actor"])
        except ValidationError as exc:
            raise _pydantic(self.rule, exc, f"{path}.") from exc
        below = spec.sentiment.below if spec.sentiment else None
        above = spec.sentiment.above if spec.sentiment else None
        return n.ActorNode(self.selector(spec, path), spec.role == "same_sentence", below, above)

    def selector(self, spec: ActorSpec, path: str) -> n.ActorSelector:
        names = [*([spec.name] if spec.name else []), *(spec.names or [])]
        keys = {name_key(x) for x in names}
        if spec.watchlist is not None:
            if spec.watchlist not in self.watchlists:
                raise _fail(self.rule, f"{path}.watchlist", f"unknown watchlist {spec.watchlist!r}")
            keys |= self.watchlists[spec.watchlist]
        label = ", ".join(names) or (f"watchlist {spec.watchlist}" if spec.watchlist else "")
        return n.ActorSelector(frozenset(keys), spec.type, label or f"any {spec.type or 'actor'}")

    def rule_of(self, spec: RuleSpec) -> Rule:
        self.rule = spec.id
        condition: n.Node | None = None
        shift = None
        if spec.match is not None:
            condition = self.node(spec.match, "match")
        elif spec.terms is not None:
            terms = tuple((self.term(t, f"terms[{i}]"), 1.0) for i, t in enumerate(spec.terms))
            condition = n.WeightedNode(terms, float(spec.min_matches))
        if spec.actor is not None:
            shift = ShiftSpec(
                self.selector(spec.actor, "actor"),
                spec.recent,
                spec.baseline,
                spec.threshold,
                spec.direction,
            )
        scope = {
            "all": n.Scope(),
            "title": n.Scope(("title",)),
            "text": n.Scope(("text",)),
            "lead": n.Scope(("title", "text"), spec.lead_sentences),
        }[spec.scope]
        return Rule(
            id=spec.id,
            name=spec.name,
            severity=spec.severity,
            tags=tuple(spec.tags),
            description=spec.description,
            kind=spec.kind,
            scope=scope,
            sources=frozenset(spec.sources) if spec.sources is not None else None,
            languages=frozenset(spec.languages) if spec.languages is not None else None,
            condition=condition,
            cooldown_s=spec.cooldown if spec.cooldown is not None else self.cooldown,
            shift=shift,
        )


def _watchlists(raw: dict[str, Any], base: Path | None) -> tuple[Watchlists, str]:
    lists: Watchlists = {}
    texts = []
    for name, entries in raw.items():
        if isinstance(entries, str):  # a file: one actor a line, aliases after `|`
            path = (base or Path.cwd()) / entries
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                raise RuleError(f"watchlist {name!r}: cannot read {path}: {exc}") from exc
            texts.append(text)
            entries = [
                line.split("|")
                for line in text.splitlines()
                if line.strip() and not line.startswith("#")
            ]
            keys = {name_key(alias) for line in entries for alias in line if alias.strip()}
        else:
            keys = set()
            for entry in entries:
                if isinstance(entry, WatchEntry):
                    keys |= {name_key(x) for x in [entry.name, *entry.aliases]}
                else:
                    keys.add(name_key(entry))
        lists[name] = frozenset(k for k in keys if k)
    return lists, "".join(texts)


def parse(source: str, nlp: Any, base: Path | None = None) -> RuleSet:
    """Validate and compile a rule file's text; RuleError says what is wrong and where."""
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise RuleError(f"rules file: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise RuleError("rules file: expected a mapping with a `rules` list")
    try:
        spec = RuleFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        raise RuleError(f"rules file: {'.'.join(map(str, err['loc']))}: {err['msg']}") from exc
    watchlists, extra = _watchlists(spec.watchlists, base)
    compiler = Compiler(nlp, watchlists, spec.defaults.cooldown)
    rules = []
    for i, raw in enumerate(spec.rules):
        rid = str(raw.get("id", f"#{i + 1}")) if isinstance(raw, dict) else f"#{i + 1}"
        try:
            rule_spec = RuleSpec.model_validate(raw)
        except ValidationError as exc:
            raise _pydantic(rid, exc) from exc
        rules.append(compiler.rule_of(rule_spec))
    ids = [r.id for r in rules]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise RuleError(f"rules file: duplicate rule ids {dupes}")
    version = hashlib.sha256((source + extra).encode()).hexdigest()[:12]
    return RuleSet(rules, version)


def load(path: Path, nlp: Any) -> RuleSet:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleError(f"cannot read rules file {path}: {exc}") from exc
    return parse(text, nlp, path.parent)
