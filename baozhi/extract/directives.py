"""Policy directives: enumerated items (一是…, 首先…, 第一，…) and cued statements (会议强调，要…).

An item is a directive only when it asks for action (its core clause starts with an action
verb, possibly after adverbs or 要/必须), which separates `一是加快…` from enumerated reasons
such as `一是数据的接口和标准不一致`.
"""

from __future__ import annotations

import re

from ..lexicon import CUE_VERBS, DIRECTIVE_CUES, SENTENCE_END
from ..model import Action, Directive, Span, TextView
from ..numbers import chinese_to_int
from .words import first_word, tag

_CN = "一二三四五六七八九十"
ENUM = re.compile(rf"([{_CN}]+)是|第([{_CN}]+)[，,、:：]|[（(]([{_CN}]+)[）)]|(首先|其次|再次|最后)[，,]?")
_SEQ = {"首先": 1, "其次": 2, "再次": 3}
CONT_FROM = re.compile(r"^[（(]上接第?[0-9一二三四五六七八九十]+版[）)]")
CUE = re.compile(rf"(?P<issuer>[\u4e00-\u9fff][\u4e00-\u9fff\u3000 ·]{{0,17}}?)(?P<verb>{'|'.join(CUE_VERBS)})[，,:：]")
_MODAL_ALT = r"(?:必须|要(?![素求点害闻是紧件领义务])|应当|务必)"
MODAL = re.compile(rf"^(?P<who>[\u4e00-\u9fff]{{1,4}}?)?(?P<modal>{_MODAL_ALT})")
ADVERB = re.compile(
    r"^(?:要|必须|需要|应当|务必|全力|着力|积极稳妥有序|积极|认真|大力|切实|进一步|坚决|继续|扎实|更好|深入(?=[\u4e00-\u9fff]{2})"
    r"|努力|更加紧密地|更加|持续|稳妥|有序|全面|不断|主动|着重|始终|充分|抓紧|尽快|精心|高质量|牢固|层层|合理|加大力度"
    r"|切实|全方位|系统|协同|同步|加速)+"
)
ACTION_VERBS = set(
    "加强 加快 推进 推动 强化 完善 实施 促进 形成 确保 落实 发挥 引导 确定 统筹 开展 组织 支持 建设 深化 谋划 运用 编制 坚持 "
    "树立 提高 弘扬 团结 贯彻 克服 应对 完成 扩大 保持 帮助 做好 防范 压实 培育 优化 提升 构建 健全 建立 打造 抓好 抓住 加大 "
    "稳定 保障 巩固 发展 鼓励 规范 实现 争取 维护 守住 筑牢 激发 释放 用好 办好 聚焦 围绕 把握 严格 降低 减少 增加 扶持 引进 "
    "培养 严防 防控 治理 整治 改善 改进 创新 推广 搭建 畅通 打通 研究 制定 出台 部署 安排 动员 坚守 守牢 夯实 拓展 拓宽 加紧 "
    "深入实施 提振 扩围 扩容 落细 压紧 压降 清理 排查 检查 监测 服务 指导 督促 保护 弘扬 营造 突出 注重 强调 加速 做强 做优 做大 "
    "紧盯 紧扣 对接 衔接 融入 带动 满足 抓实 推出 突破 攻克 攻关 推行 引领 支撑 赋能".split()
)


def _ordinal(m: re.Match) -> int | None:
    if m.group(4):
        return _SEQ.get(m.group(4))
    word = m.group(1) or m.group(2) or m.group(3)
    return chinese_to_int(word)


def action_start(clause: str) -> tuple[int, int] | None:
    """(verb start, verb end) when the clause starts with an action, else None."""
    lead = ADVERB.match(clause)
    pos = lead.end() if lead else 0
    rest = clause[pos:]
    if rest.startswith("加快") and rest[2:4] in ACTION_VERBS:  # 加快推进: 加快 modifies the verb
        pos += 2
        rest = rest[2:]
    if not rest:
        return None
    word = first_word(rest[:12])
    for n in (4, 3, 2):
        if rest[:n] in ACTION_VERBS:
            return pos, pos + n
    t = tag(word) or ""
    if word in ACTION_VERBS or (t.startswith("v") and len(word) >= 2):
        return pos, pos + len(word)
    return None


class DirectiveExtractor:
    def __init__(self, view: TextView):
        self.view = view

    def span(self, start: int, end: int) -> Span:
        return self.view.span(start, end)

    def article(self, paragraphs: list[tuple[int, int]]) -> list[Directive]:
        items: list[tuple[int, int, int | None, str | None, str | None, str | None, int]] = []
        # (start, end, ordinal, cue, issuer, addressee, core_start)
        text = self.view.text
        pending_continuation: tuple[int, int, int] | None = None
        for p_index, (start, end) in enumerate(paragraphs):
            para = text[start:end]
            cont = CONT_FROM.match(para)
            body_off = cont.end() if cont else 0
            markers = [m for m in ENUM.finditer(para, body_off) if self._is_item_start(para, m)]
            if not markers or markers[0].start() != body_off:
                cues = [c for c in (CUE.match(para, pos) for pos in self._sentence_starts(para, body_off)) if c]
                bounds = sorted([c.start() for c in cues] + [m.start() for m in markers] + [len(para)])
                found = [self._cued(para[:next(b for b in bounds if b > c.start())], start, c) for c in cues]
                items.extend(f for f in found if f)
                if cues and cues[0].start() == body_off and not markers:
                    continue
            if not markers:
                if p_index == 0 and cont and action_start(para[body_off:]):
                    pending_continuation = (start + body_off, end, len(items))
                continue
            for k, m in enumerate(markers):
                item_end = markers[k + 1].start() if k + 1 < len(markers) else len(para)
                core_start = m.end()
                if not action_start(self._after_modal(para, core_start)[0]):
                    continue
                ordinal = _ordinal(m)
                items.append((start + m.start(), start + self._trim(para, item_end), ordinal, m.group(0).rstrip("，,:："),
                               None, None, start + self._after_modal(para, core_start)[1]))
                if pending_continuation and ordinal and ordinal > 1:
                    s, e, at = pending_continuation
                    items.insert(at, (s, e, ordinal - 1, None, None, None, s))
                    pending_continuation = None
        return [self._build(*item) for item in items]

    @staticmethod
    def _sentence_starts(para: str, first: int) -> list[int]:
        return [first] + [m.end() for m in re.finditer(f"[{SENTENCE_END}]", para) if m.end() < len(para) and m.end() > first]

    @staticmethod
    def _trim(para: str, end: int) -> int:
        while end > 0 and para[end - 1] in "；;，, ":
            end -= 1
        return end

    @staticmethod
    def _is_item_start(para: str, m: re.Match) -> bool:
        """Markers count at a paragraph start or after ：；。 (not `第一季度`, not `统一是`)."""
        if m.group(2) and para[m.end() - 1] not in "，,、":
            return False
        return m.start() == 0 or para[m.start() - 1] in "：:；;。）)" or CONT_FROM.match(para[: m.start()]) is not None

    @staticmethod
    def _after_modal(para: str, pos: int) -> tuple[str, int]:
        """The clause text after an optional `X要` and its offset within the paragraph."""
        rest = para[pos:]
        m = MODAL.match(rest)
        if m and len(m.group(0)) <= 10:
            return rest[m.end():], pos + m.end()
        return rest, pos

    def _cued(self, para: str, start: int, cue: re.Match):
        after = cue.end()
        verb = cue.group("verb")
        # the clause asking for action: right after the cue, or the first 要/必须 within two sentences
        window = para[after:]
        sentences = re.split(f"(?<=[{SENTENCE_END}])", window)[:2]
        probe = "".join(sentences)
        modal = re.search(rf"(?:^|[，。；])(?P<who>[\u4e00-\u9fff]{{0,4}}?)(?P<m>{_MODAL_ALT})", probe)
        addressee = None
        if modal and (modal.start() == 0 or verb not in DIRECTIVE_CUES):
            core_pos = after + modal.end()
            who = modal.group("who")
            addressee = who or None
        elif verb in DIRECTIVE_CUES:
            core_pos = after
        elif modal:
            core_pos = after + modal.end()
            addressee = modal.group("who") or None
        else:
            return None
        if verb not in DIRECTIVE_CUES and not action_start(para[core_pos:]):
            return None
        issuer = cue.group("issuer")
        return (start + cue.start(), start + self._trim(para, len(para)), None, issuer + verb, issuer, addressee,
                start + core_pos)

    def _build(self, start, end, ordinal, cue, issuer, addressee, core_start) -> Directive:
        text = self.view.text
        core_end = core_start
        while core_end < end and text[core_end] not in "，。；！？,;":
            core_end += 1
        actions = []
        for m in re.finditer(r"[^，。；！？,;：:]+", text[start:end]):
            c_start = start + m.start()
            clause = m.group(0)
            lead = re.match(rf"^(?:[（(]上接第?[0-9{_CN}]+版[）)])?(?:{ENUM.pattern})?(?:[\u4e00-\u9fff]{{0,4}}"
                            rf"(?:{'|'.join(CUE_VERBS)})$)?", clause)
            skip = lead.end() if lead else 0
            if skip == len(clause):
                continue
            rest, off = self._after_modal(clause, skip)
            verb = action_start(rest)
            if verb:
                v_start = c_start + off + verb[0]
                v_end = c_start + off + verb[1]
                o_end = c_start + len(clause)
                if o_end > v_end:
                    actions.append(Action(self.span(v_start, v_end), self.span(v_end, o_end)))
        return Directive(self.span(start, end), ordinal, cue, issuer, addressee, self.span(core_start, core_end),
                         actions)


def cue_fields(cue: str) -> tuple[int | None, str | None]:
    """(ordinal, issuer) of a printed cue: `三是` → (3, None), `会议强调` → (None, `会议`)."""
    m = ENUM.match(cue)
    if m:
        return _ordinal(m), None
    m = re.match(rf"(?P<issuer>.+?)(?:{'|'.join(CUE_VERBS)})$", cue)
    return None, (m.group("issuer") if m else None)
