"""The relevance model: MiniLM in numpy as sentence-transformers computes it, the desk
classifiers, their rule condition, and the training tools."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest

from wirewatch.core.analysis import encoder, rules
from wirewatch.core.analysis.pipeline import Analyzer
from wirewatch.core.analysis.relevance import lead_text, shared
from wirewatch.core.articles import validate
from wirewatch.tools.train_relevance import fit, quantise, read_safetensors


def test_embeddings_match_the_published_model() -> None:
    # sentence-transformers' own example for all-MiniLM-L6-v2 gives 0.7553 and 0.2528 for
    # these pairs, and 0.8939 for the last: a broken layer, norm or pooling moves them.
    texts = [
        "A man is eating food.",
        "A man is eating a piece of bread.",
        "A man is riding a horse.",
        "The new movie is awesome",
        "The new movie is so great",
    ]
    e = encoder.shared().embed(texts)
    assert np.allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)
    assert e[0] @ e[1] == pytest.approx(0.755, abs=0.01)
    assert e[0] @ e[2] == pytest.approx(0.253, abs=0.01)
    assert e[3] @ e[4] == pytest.approx(0.894, abs=0.01)


def _doc(analyzer: Analyzer, title: str, text: str) -> rules.MatchDoc:
    [article] = validate([{"title": title, "text": text}])
    return analyzer.analyze([article])[0].doc


def test_the_matrices_stay_int8_and_give_the_same_vectors() -> None:
    from tokenizers import Tokenizer

    kept = encoder.MiniLM.load()
    # Every matrix, embeddings and the six layers' dense weights, is held as int8.
    assert encoder.WORDS in kept.quantised
    assert len([n for n in kept.quantised if n.startswith("encoder.layer.")]) == 6 * 6
    assert all(v.dtype == np.int8 for v, _ in kept.quantised.values())
    assert not set(kept.quantised) & set(kept.w)
    with np.load(encoder.ENCODER_DIR / "minilm-int8.npz") as data:
        everything = encoder.dequantise({k: data[k] for k in data.files})
    tokenizer = Tokenizer.from_file(str(encoder.ENCODER_DIR / "tokenizer.json"))
    full = encoder.MiniLM(everything, tokenizer)
    texts = ["Gunmen killed twelve people at a market on Sunday.", "Tōkyō, Zürich, 東京 " * 8]
    assert np.array_equal(kept.embed(texts), full.embed(texts))


def test_a_reported_attack_is_relevant_and_a_debate_is_not(analyzer: Analyzer) -> None:
    attack = _doc(
        analyzer,
        "Car bomb kills 30 at market in Baghdad",
        "A car bomb exploded in a crowded market in Baghdad on Tuesday, killing at least 30 "
        "people and wounding dozens, police said. No group has claimed the attack.",
    )
    debate = _doc(
        analyzer,
        "Parliament debates defence budget",
        "Members of parliament debated the defence budget on Tuesday. The minister said the "
        "army needed new helicopters, and the opposition asked for a review of spending.",
    )
    assert (
        lead_text(debate, 1) == "Parliament debates defence budget. Members of parliament "
        "debated the defence budget on Tuesday."
    )
    model = shared()
    assert model.scores(attack)["armed-violence"] > 0.5
    assert model.scores(debate)["armed-violence"] < 0.5
    assert attack.relevance() is attack.relevance()  # computed once per article


def test_the_rule_condition_explains_itself_and_checks_its_desk(analyzer: Analyzer) -> None:
    source = "rules:\n  - {id: r, name: R, severity: high, match: {relevance: %s}}\n"
    rule = rules.parse(source % "{desk: terrorism, above: 0.0}", analyzer.nlp).rules[0]
    outcome = rule.evaluate(_doc(analyzer, "A title", "Some text about the weather."))
    assert outcome.ok
    assert outcome.clauses[0].startswith("relevance terrorism 0.")
    with pytest.raises(rules.RuleError, match="the model knows only"):
        rules.parse(source % "{desk: weather, above: 0.5}", analyzer.nlp)
    with pytest.raises(rules.RuleError, match="from 0 to 1"):
        rules.parse(source % "{desk: terrorism, above: 2}", analyzer.nlp)


def test_fit_separates_and_the_bias_follows_the_classes() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(200, 4))
    y = (x[:, 0] > 0).astype(float)
    weights, _ = fit(x, y, l2=0.1)
    assert weights[0] > 1.0
    assert abs(weights[0]) > 5 * max(abs(weights[1:]))


def test_safetensors_reader_and_int8_rows(tmp_path: Path) -> None:
    matrix = np.arange(12, dtype=np.float32).reshape(3, 4) - 5
    header: dict[str, Any] = {
        "m": {"dtype": "F32", "shape": [3, 4], "data_offsets": [0, 48]},
        "__metadata__": {"format": "pt"},
    }
    raw = orjson.dumps(header)
    (tmp_path / "t.safetensors").write_bytes(struct.pack("<Q", len(raw)) + raw + matrix.tobytes())
    tensors = read_safetensors(tmp_path / "t.safetensors")
    assert np.array_equal(tensors["m"], matrix)
    back = encoder.dequantise(quantise(tensors))["m"]
    assert np.abs(back - matrix).max() <= np.abs(matrix).max() / 127


def test_train_writes_a_model_the_rules_can_load(
    tmp_path: Path, sample_article: dict[str, Any]
) -> None:
    from wirewatch.core.analysis.relevance import Relevance
    from wirewatch.tools.train_relevance import train

    rows = [
        {**sample_article, "id": "a", "split": "tune", "desks": ["armed-violence"]},
        {"id": "b", "title": "Shares rise", "text": "Shares rose on Monday.", "split": "tune",
         "desks": []},
    ]  # fmt: skip
    data = tmp_path / "labels.jsonl"
    data.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    out = tmp_path / "desks.json"
    assert train(data, "tune", out) == 0
    model = Relevance.load(out)
    assert set(model.desks) == {
        "armed-violence",
        "terrorism",
        "casualties",
        "civil-unrest",
        "sanctions",
    }
    assert model.lead_sentences == 3
    assert orjson.loads(out.read_bytes())["desks"]["armed-violence"]["positives"] == 1


def test_export_encoder_quantises_and_copies_the_tokenizer(tmp_path: Path) -> None:
    from wirewatch.tools.train_relevance import export_encoder

    source = tmp_path / "model"
    source.mkdir()
    matrix = np.ones((2, 3), dtype=np.float32)
    header = orjson.dumps({"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}})
    (source / "model.safetensors").write_bytes(
        struct.pack("<Q", len(header)) + header + matrix.tobytes()
    )
    (source / "tokenizer.json").write_text("{}")
    assert export_encoder(source, tmp_path / "out") == 0
    with np.load(tmp_path / "out" / "minilm-int8.npz") as saved:
        assert saved["w"].dtype == np.int8
        assert np.allclose(encoder.dequantise({k: saved[k] for k in saved.files})["w"], 1.0)
    assert (tmp_path / "out" / "tokenizer.json").read_text() == "{}"


def test_threads_embedding_at_once_get_the_vectors_of_one_thread() -> None:
    # Each thread makes its matrices float in a buffer of its own: a shared one would be
    # overwritten by another thread between the copy and the product.
    from concurrent.futures import ThreadPoolExecutor

    model = encoder.MiniLM.load()
    texts = [f"Rebels shelled the town of {n} for the {n}th day, officials said." for n in range(6)]
    alone = model.embed(texts)
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda _: model.embed(texts), range(8)))
    assert all(np.array_equal(alone, v) for v in together)
