"""A character tokenizer for Chinese news that never loses a digit or a Latin letter.

Every character is its own token (digits and Latin letters included: `35609` is five tokens,
`5G` two), so a span boundary can fall anywhere a gold span can. The vocabulary is the
characters seen in the training text; anything else is `[UNK]`, and `unk_rate` measures it.
"""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # transformers is imported when a tokenizer is built or loaded, not by inference
    from transformers import BertTokenizerFast, PreTrainedTokenizerBase

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
ALWAYS = list(string.digits + string.ascii_letters + string.punctuation) + list("，。、；：？！“”‘’（）《》【】—…·％")


def build_vocab(texts: Iterable[str], min_count: int = 2, max_size: int = 8000) -> list[str]:
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(ch for ch in text if not ch.isspace())
    chars = [ch for ch, n in counts.most_common() if n >= min_count and ch not in SPECIALS]
    chars = chars[: max_size - len(SPECIALS) - len(ALWAYS)]
    seen = set(chars)
    return SPECIALS + chars + [ch for ch in ALWAYS if ch not in seen]


def save_vocab(vocab: list[str], folder: str | Path) -> BertTokenizerFast:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = char_tokenizer(folder / "vocab.txt")
    tokenizer.save_pretrained(folder)
    return tokenizer


def char_tokenizer(vocab_file: str | Path) -> BertTokenizerFast:
    """`BertTokenizerFast(vocab=...)`: a wrong keyword silently leaves a 5-token vocabulary, so
    the size is checked."""
    from transformers import BertTokenizerFast

    expected = sum(1 for line in Path(vocab_file).read_text(encoding="utf-8").splitlines() if line)
    tokenizer = BertTokenizerFast(vocab=str(vocab_file), do_lower_case=False, strip_accents=False,
                                  tokenize_chinese_chars=True, model_max_length=512)
    assert len(tokenizer) == expected, f"tokenizer has {len(tokenizer)} tokens, vocab file {expected}"
    return tokenizer


def load_tokenizer(path: str | Path) -> PreTrainedTokenizerBase:
    """Any Hugging Face tokenizer (our char tokenizer, or a hub/local BERT's)."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(path))


def encode_chars(tokenizer: PreTrainedTokenizerBase, text: str, max_length: int | None = None):
    """Encode `text` one character per word, so `word_ids()` maps tokens back to characters.
    Whitespace characters produce no token."""
    return tokenizer(list(text), is_split_into_words=True, truncation=max_length is not None,
                     max_length=max_length, return_offsets_mapping=False)


def unk_rate(tokenizer: PreTrainedTokenizerBase, texts: Iterable[str]) -> tuple[float, Counter]:
    """Share of non-space characters that become `[UNK]`, and the most frequent ones."""
    unk_id = tokenizer.unk_token_id
    vocab = tokenizer.get_vocab()
    total, missing = 0, Counter()
    for text in texts:
        for ch in text:
            if ch.isspace():
                continue
            total += 1
            if vocab.get(ch, unk_id) == unk_id:
                missing[ch] += 1
    return (sum(missing.values()) / total if total else 0.0), missing
