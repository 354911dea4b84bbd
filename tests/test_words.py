"""Word lookups: jieba's cut kept linear on runs no dictionary can cut."""

import json
import subprocess
import sys
import time

from hypothesis import given
from hypothesis import strategies as st

from baozhi.extract.words import MAX_PIECE, MAX_RUN, bounded_pieces, cut


@given(st.text(alphabet="亿一二三中国增长，。 1.%\n", max_size=3000))
def test_pieces_rebuild_the_text_and_bound_every_run(text):
    pieces = bounded_pieces(text)
    assert "".join(pieces) == text
    for piece in pieces:
        assert len(piece) <= MAX_PIECE
        run = longest = 0
        for ch in piece:
            run = run + 1 if "\u4e00" <= ch <= "\u9fff" else 0
            longest = max(longest, run)
        assert longest <= MAX_RUN


@given(st.text(alphabet="全国规模以上工业增加值同比增长，。1.%", max_size=MAX_RUN))
def test_real_sentences_are_one_piece(text):
    assert bounded_pieces(text) == [text]


def test_cut_is_linear_on_a_run_of_one_character():
    """jieba's HMM was quadratic here (100k characters of 亿 took minutes); the bound is generous."""
    cut("亿" * 1000)  # the dictionary is loaded before timing

    def seconds(n):
        start = time.perf_counter()
        words = cut("亿" * n)
        assert "".join(words) == "亿" * n
        return time.perf_counter() - start

    small = min(seconds(10_000) for _ in range(3))
    assert seconds(100_000) < 30 * small + 0.5


@given(st.lists(st.sampled_from(["全国规模以上工业增加值", "同比增长6.7%", "，", "。", "、", "（一）", "王建国说", " "]),
                max_size=600))
def test_cutting_a_long_line_changes_no_word(parts):
    text = "".join(parts)
    import jieba

    assert cut(text) == jieba.lcut(text)


def test_dictionary_cache_gives_jiebas_own_tables(tmp_path):
    """A cold start writes the cache, a warm one reads it: both leave jieba the prefix table it
    builds itself and the part-of-speech column jieba.posseg reads."""
    code = f"""
import json, sys, jieba, jieba.posseg
jieba.dt.tmp_dir = {str(tmp_path)!r}
from baozhi.extract.words import cut, load_dictionary, tag
table = load_dictionary()
own = jieba.Tokenizer()
own.tmp_dir = {str(tmp_path / "own")!r}
own.initialize()
print(json.dumps([own.FREQ == jieba.dt.FREQ, own.total == jieba.dt.total, table == jieba.posseg.dt.word_tag_tab,
                  tag("北京"), cut("国家统计局发布数据")]))
"""
    (tmp_path / "own").mkdir()
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300) for _ in range(2)]
    assert all(r.returncode == 0 for r in runs), runs[0].stderr + runs[1].stderr
    assert len(list(tmp_path.glob("baozhi-jieba.*.marshal"))) == 1  # written once, then read
    first, second = (json.loads(r.stdout) for r in runs)
    assert first == second and first[:4] == [True, True, True, "ns"] and "国家统计局" in first[4]
