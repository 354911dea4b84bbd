"""Metric–value–change facts from the sentences of one article (rule baseline / silver labeller).

A paragraph is read clause by clause (split at ，：and brackets), keeping the state a reader
keeps: the period and scope last written in the paragraph, the last metric named, and the
last fact (an unattached `同比增长6.7%` completes it; `较第一季度提高…个百分点` continues it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate

from ..lexicon import (
    COMPANY_SUFFIXES,
    DOWN_WORDS,
    FLAT_WORDS,
    FORECAST_WORDS,
    GENERIC_FIRM_STARTS,
    GROUP_SCOPE,
    MARKET_SCOPES,
    PRIOR_WORDS,
    RATE_WORDS,
    SENTENCE_END,
    SHARE_WORDS,
    TARGET_WORDS,
    UP_WORDS,
    alternation,
    direction_sign,
)
from ..model import Change, Fact, Span, TextView, Value
from ..numbers import QUANTITY, normalize_period, parse_quantity
from .words import cut, first_word, has_place_suffix, is_place, tag

PERIOD = re.compile(
    r"(?:\d{4}年|今年|去年|上年|本年)?(?:上半年|下半年|前三季度|前[一二三四]季度|第?[一二三四1-4]季度?(?:末|初)?|全年|今年以来|年内"
    r"|\d{1,2}月?[—\-–~～至到]\d{1,2}月(?:份)?|前\d{1,2}个?月"
    r"|\d{1,2}月\d{1,2}日?(?:[—\-–~～至到](?:\d{1,2}月)?\d{1,2}日)|\d{1,2}月\d{1,2}日"
    r"|\d{1,2}月(?!\d{1,2}[日号])(?:份)?(?:末|底|初|上旬|中旬|下旬|以来|当月)?)"
    r"|\d{4}年(?:末|底|初)?|上年同期|去年同期|本月|上月|年末|年底|年初|上旬|中旬|下旬|报告期内|报告期|假期期间|目前|昨日|当日|同日"
)
_MONTHS = r"\d{1,2}(?:[—\-–~～至]\d{1,2})?月份?(?:末|底)?"
BASIS = re.compile(r"同比|环比|按年|按月|按季|两年平均"
                   rf"|(?:较|比|与)(?:(?:上年|去年|上月|上季度|前一年|上一年|今年)(?:同期|全年|年末|年初|底|末|同月|{_MONTHS})?"
                   r"|前一交易日|上一交易日|上周末?|前一日|上日|上一周"
                   rf"|第?[一二三四]季度(?:末)?|{_MONTHS}|\d{{4}}年(?:同期|末|底|全年|上半年|{_MONTHS})?|上半年"
                   r"|前三季度|同期)(?:相比)?")
_DIRECTION_ALT = alternation(UP_WORDS + DOWN_WORDS)
CHANGE = re.compile(rf"(?P<dir>{_DIRECTION_ALT})(?:了)?(?P<q>" + QUANTITY.pattern + ")")
FLAT = re.compile("(?<!保)(?:" + "|".join(FLAT_WORDS) + ")")  # not 保持平稳
SCOPE = re.compile(
    "(?:" + "|".join(MARKET_SCOPES) + "|"
    r"全港|全澳|全台|国内(?!生产总值)|开发区|我国|全国(?:\d+个[\u4e00-\u9fff]{1,10}?(?:城市|省份|地区|省市))?|全行业|全省|全市|全区|全县|各地区"
    r"|[东中西]{1,3}部地区|东北地区|东、中、西部地区|(?:[东西南北中]{1,2}部?[、和])+[东西南北中]{1,2}部?地区"
    r"|[一二三四五六七八九十两\d]+(?:省区|省市|省|市|地)(?![\u4e00-\u9fff]{0,2}(?:委|政府|厅|局))"
    r"|(?:全国|全省|全市)?\d+个[\u4e00-\u9fff]{0,8}?(?:城市|省份|地区|省市|项目|企业|园区|县|区)"
    r"|[一二三四五六七八九十两\d]+家[\u4e00-\u9fff]{0,8}?(?:企业|公司|银行|机构|运营商)"
    r"|(?:[\u4e00-\u9fff]{2,4}、)+[\u4e00-\u9fff]{2,4}(?:[和及与][\u4e00-\u9fff]{2,4})?[一二三四五六七八九十\d]+(?:省市|省|市|地|个城市))"
)
DAY = re.compile(r"(?:\d{4}年)?\d{1,2}月\d{1,2}日$")  # a clause that is only a date: the day of market figures
COMPANY = re.compile(r"(?P<brand>[\u4e00-\u9fff]{2,4}?)(?:" + alternation(COMPANY_SUFFIXES)
                     + r")(?:[（(](?:[\u4e00-\u9fff]{2,4}|\d{4,6}(?:\.HK)?)[）)])?")


# A stock code after a name marks a listed firm, whatever its name ends with (`华锂科技（300871）`);
# a bracketed year (`白皮书（2023）`) is not a code.
LISTED = re.compile(r"(?P<name>[\u4e00-\u9fffA-Za-z*]{2,})[（(]\s*(?:股票代码[:：]\s*)?"
                    r"(?!(?:19|20)\d\d[）)])\d{4,6}(?:\.[A-Z]{2})?\s*[）)]")
_WORD_TAGS = ("n", "vn", "v", "vd", "a", "an", "ad", "d", "p", "c", "r", "m", "q", "t", "f", "s", "u", "j", "l", "i",
              "b", "zg")  # a brand tagged so is a common word; names (nr, nz, nt) and unknown words pass
_FIRM_ONLY_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "股份", "集团", "银行", "证券", "保险", "人寿", "控股",
                       "地产", "置业", "实业")  # a place before these is a firm (`江南银行`), before 半导体 an industry


_LEGAL_FORM = re.compile(r"[\u4e00-\u9fff]{0,4}?(?:股份有限公司|有限责任公司|有限公司)")
# `恒生科技指数`, `半导体板块`, `香港银行公会`: the name is part of a longer noun
_NOT_FIRM_AFTER = ("指数", "板块", "行业", "产业", "企业", "领域", "类", "公会", "协会", "同业", "业", "界")


def _brand_ok(brand: str, suffix: str) -> bool:
    if re.search("[的之是和与及或在占年月]", brand) or has_place_suffix(brand):
        return False
    kind = tag(brand)
    if kind == "ns" or is_place(brand):
        return suffix.startswith(_FIRM_ONLY_SUFFIXES)
    if kind in _WORD_TAGS:
        return False
    lead = first_word(brand)
    if len(lead) >= 2 and lead != brand:
        return tag(lead) not in _WORD_TAGS or is_place(lead)
    kind = tag(lead)
    return kind not in ("v", "p", "c", "d", "r", "m", "q", "u", "zg", "a") or kind == "v" and len(brand) == 2


_ANY_SUFFIX = re.compile(alternation(COMPANY_SUFFIXES))  # a cheap test before COMPANY's search


def company_at(text: str, pos: int) -> int | None:
    """The end of a company name starting at `pos`, or None (a generic `商业银行` is a group)."""
    m = COMPANY.match(text, pos)
    if m is None or text.startswith(GENERIC_FIRM_STARTS, pos) or text.startswith(_NOT_FIRM_AFTER, m.end()):
        return None
    if not _brand_ok(m["brand"], text[m.end("brand"):m.end()]):
        return None  # `新能源汽车`, `社会物流`, `台湾半导体`: an industry, not a firm's brand
    longer = _LEGAL_FORM.match(text, m.end())  # `浙江恒锐精密` + `机械有限公司`: the whole registered name
    if longer:
        return longer.end()
    words, at = cut(text[pos:m.end() + 2]), 0
    while at < len(m["brand"]):
        at += len(words.pop(0))
    if at != len(m["brand"]):
        return None  # `受房地产`: the suffix is the end of a longer word
    return m.end()


def firm_names(text: str) -> list[str]:
    """The firms an article names with a stock code (`华锂科技（300871）` → `华锂科技`)."""
    names = []
    for m in LISTED.finditer(text):
        run = m["name"]
        start = next((i for i in range(max(0, len(run) - 8), len(run) - 1) if company_at(run, i) == len(run)), None)
        names.append(run[start:] if start is not None else run[-4:])
    return names


def brand_of(name: str) -> str | None:
    """`华晶半导体` → `华晶`: the short form later sentences use, unless it is a place or a common word."""
    m = COMPANY.fullmatch(name)
    brand = m["brand"] if m else None
    return brand if brand and not is_place(brand) and tag(brand) not in _WORD_TAGS else None


# The period word of a Taiwan `年增`/`月减`/`季增` change, right before its direction word.
_PERIOD_BASIS = re.compile(r"(?<![全今去上本每半当同明前后近多该此第\d])[年月季]$")
_CLASSIFIER_UNITS = {"个", "家", "项", "名", "位", "款", "处", "座", "所", "条", "批", "部", "台", "只", "套", "件", "场", "列",
                     "班", "单", "点"}
METRIC_HEAD = re.compile(
    r"(?:营业收入|业务收入|收入|营收|利润总额|净利润|利润|出口额|出口|进口额|进口|进出口总值|进出口|总值|顺差|逆差|增加值"
    r"|产量|产值|销量|销售额|投资额|投资|零售总额|总额|人数|用户数|用户|户数|流量|发电量|用电量|消费|支出|余额|规模"
    r"|总量|生产总值|GDP|价格|指数|出栏|存栏|数量|金额|税收|营业额|吞吐量|货运量|客运量|成交额|交易额|保有量"
    r"|基站|订单|就业|融资|贷款|存款|储蓄|工资|人口|面积|产能|效率|市值|次数|票房|接待量|游客|容量|[量额值数率价指])$"
)
METRIC_HEAD_ANY = re.compile(METRIC_HEAD.pattern[:-1])
_LEADING_FILLER = re.compile(r"(?:其中|同时|此外|另外|而|但是?|且|并|其|仍|均|共|也|则|其次|全年|合计|预计|预期|计划|截至|截止到?"
                             r"|力争|确保|目标是?)+[，]?")
_VERB = re.compile(r"(?:力争|确保|预计|有望|计划|目标)?(?:共|累计|合计)?(?:实现|完成|达到|达|录得|突破|超过|为|是|共有|拥有|新建"
                   r"|控制在|保持在|稳定在|力争|确保|有望"
                   r"|建成|开通|发放|吸引|接待|收获)了?")
# Light verbs a metric phrase starts after (`实现营业收入`); verbs that define the quantity stay in it
# (`接待游客`, `建成高标准农田`, `新建商品房销售面积`).
_LIGHT_VERB = re.compile(r"(?:力争|确保|预计|有望|计划|目标)?(?:共)?(?:实现|完成|达到|达|录得|突破|超过|为|是|共有|拥有"
                         r"|控制在|保持在|稳定在|力争|确保|有望)了?")
# Inside a phrase: what precedes a company's figure (`北辰化工预计一季度归母净利润`, `公司旅客运输量`).
_PHRASE_CUT = re.compile(r"(?:预计|预测|预期|计划|目标|力争)")
_SEP = "、和及与"
# The words a metric phrase is read from: with the digits inside a name (`28种蔬菜`, `5年期LPR`,
# `10G-PON`), or split at every digit but `5G`.
_WORD_WITH_DIGITS = re.compile(r"(?:\d+(?=[\u4e00-\u9fffA-Za-z])|[\u4e00-\u9fffA-Za-z&]|(?<=[A-Za-z]) (?=[A-Za-z])"
                               r"|(?<=[A-Za-z0-9])-(?=[A-Za-z0-9]))+")
_WORD = re.compile(r"(?:\d+[A-Za-z]|[\u4e00-\u9fffA-Za-z&]|(?<=[A-Za-z]) (?=[A-Za-z]))+")
_GLUE_TAGS = ("p", "v", "c", "u", "d")
_FACILITY = re.compile(r"[\u4e00-\u9fff]{0,6}?(?:港|南站|北站|东站|西站|机场|口岸|物流园|产业园|工程区)(?=[\u4e00-\u9fff])")
_PARTNER = re.compile(r"(?:我国)?(?:对|与|自|向|从)(?P<partner>[^，。；、对与自向从]{2,10}?)(?:的)?(?=进出口|出口|进口|贸易|接单)")
# A group that does what the clause measures (`规上有色金属工业企业实现利润总额`, `民营企业进出口…`): the scope.
_GROUP_SUBJECT = re.compile(r"[\u4e00-\u9fff]{1,14}?(?:企业|银行|公司|机构)(?=(?:共|累计|合计)?(?:实现|完成)|进出口|进口|出口)"
                            r"|(?:限额以上单位|(?:大型|股份制|城市|农村|中小)?(?:商业银行|保险公司)|认可机构)(?=[\u4e00-\u9fff]{2})")
_FIRM_QUALIFIER = re.compile(r"[（(][\u4e00-\u9fff]{2,4}[）)]")  # `腾飞银行（香港）`: part of the firm's name
# Words that open or close a metric phrase without belonging to it (`今年高校毕业生规模`, `毛利率预估介于`).
_TIME_LEAD = re.compile(r"(?:今年|去年|上年|当日|昨日|同日|全天|全日|当月|同月|本月|目前|当前|年内|第?[一二三四]季度?|前\d+月"
                        r"|[上下]半年|前三季度)+")
# Words before a metric that say when or how it was reported, not what it is (`全天净买入`, `预估5月出口`).
_NOT_QUALIFIER = re.compile(rf"(?:{_TIME_LEAD.pattern[:-1]}|半日|单月|今日|全年|本年|前[一二三四五六七八九十]+个?月"
                            r"|第?[一二三四]季度?末?|\d+月|累计|合计|预估|预计|计划|公布|发布|公司|集团|发展|约|共)+")
_TRAILING = r"(?:预估|预计|可望|有望|将|介于|介乎|收报|报|按年|按月|同比|环比|年|月|则|降至|升至|依次|分别|在|可|已|平均)"
# Adverbs and light verbs that open a clause's metric phrase without naming it (`已春播粮食`, `共办理…登记金额`).
_ADVERB_LEAD = re.compile(r"(?:已经?|将|共)(?:办理|发展)?|发展|办理")


@dataclass
class ArticleState:
    scopes: list[Span] = field(default_factory=list)  # every scope named so far, in order
    period: Span | None = None  # the last period printed so far (headline group and body)
    company: Span | None = None  # the firm a company article is about: later paragraphs' scope


@dataclass
class ParagraphState:
    period: Span | None = None
    scope: Span | None = None
    metric: Span | None = None
    metric_name: str | None = None
    last_fact: Fact | None = None
    metric_is_share: bool = False
    listed_scopes: list[Span | None] = field(default_factory=list)  # the last 分别 list's scopes
    basis: Span | None = None  # the last basis printed in the current sentence
    scope_until_sentence_end: Span | None = None  # the scope to go back to when a firm named mid-clause is done
    scope_is_local: bool = False
    listed_values: list[Fact] = field(default_factory=list)  # the sentence's last 分别 list of values


@dataclass
class Clause:
    start: int  # view offsets
    end: int
    text: str
    in_brackets: bool


def _clauses(text: str, offset: int) -> list[Clause]:
    out, start, depth = [], 0, 0
    for i, ch in enumerate(text + "，"):
        if ch in "（(":
            if i > start:
                out.append(Clause(offset + start, offset + i, text[start:i], depth > 0))
            depth += 1
            start = i + 1
        elif ch in "）)":
            if i > start:
                out.append(Clause(offset + start, offset + i, text[start:i], True))
            depth = max(0, depth - 1)
            start = i + 1
        elif ch in "，；;" and depth == 0 or ch in "，" and depth > 0:
            if i > start:
                out.append(Clause(offset + start, offset + i, text[start:i], depth > 0))
            start = i + 1
    return out


def _sentences(text: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for m in re.finditer(f"[{SENTENCE_END}]", text):
        out.append((start, m.end()))
        start = m.end()
    if start < len(text):
        out.append((start, len(text)))
    return out


def _is_statistic(text: str, m: re.Match, q_unit: str) -> bool:
    """Exclude ranks (前5名), ordinals (第1版) and counts used as modifiers (15个副省级…)."""
    before = text[max(0, m.start() - 1):m.start()]
    if before in ("前", "第", "居", "后") and not m.group("before"):
        return False
    after = text[m.end():m.end() + 1]
    if q_unit in _CLASSIFIER_UNITS and after and "\u4e00" <= after <= "\u9fff" and after not in "，。、；左以多余":
        return False
    return True


def basis_class(basis: str | None) -> str | None:
    """The analyst's class of a printed comparison (GUIDELINES "Gold format 2": basis_class)."""
    if not basis:
        return None
    if "两年平均" in basis:
        return "two_year_avg"
    if basis == "同比" or basis in ("年增", "年减") or re.search(r"(?:上年|去年|前一年|上一年)(?:同期|同月|全年)?(?:相比)?$", basis):
        return "yoy"
    if basis == "按年":
        return "yoy"
    if basis in ("环比", "按月", "按季", "月增", "月减", "季增", "季减") or re.search(r"上月|上周|上一周|前一交易日|上一交易日|前一日|上日", basis):
        return "mom"
    return "vs_period"


_PRIOR = re.compile("|".join(PRIOR_WORDS))
_TARGET = re.compile("|".join(TARGET_WORDS))
_FORECAST = re.compile("|".join(FORECAST_WORDS))


def modality(before: str) -> str:
    """`before` is the sentence up to the figure: a prior-figure cue in the figure's own clause,
    else the last target or forecast cue of the sentence."""
    clause = re.split(r"[，；：（(]", before)[-1]
    if _PRIOR.search(clause):
        return "prior"
    cues = [(m.start(), "target") for m in _TARGET.finditer(before)] + \
           [(m.start(), "forecast") for m in _FORECAST.finditer(before)]
    return max(cues)[1] if cues else "actual"


def scope_kind(scope: str | None) -> str | None:
    if not scope:
        return None
    if scope in MARKET_SCOPES:
        return "market"
    if company_at(scope, 0) == len(scope):
        return "company"
    return "group" if re.search(GROUP_SCOPE, scope) else "region"


def _shared_tail(first_item: str, last_item: str) -> str | None:
    """The head a list's last item prints for all of them (`原铝产量` → `产量`, `通讯器材类商品零售额` →
    `商品零售额`): what follows the last item's word of the same kind as the first item (`金银珠宝类`,
    `装备制造业`), else its last word when that is a metric head, with a generic word before it."""
    kind = first_item[-1]
    if len(first_item) >= 2 and not kind.isdigit() and kind in last_item[:-2]:
        tail = last_item[last_item.index(kind) + 1:]
        if METRIC_HEAD.search(tail):
            return tail
    words = cut(last_item)
    if len(words) < 2 or not METRIC_HEAD.fullmatch(words[-1]):
        return None
    tail = words[-1]
    if words[-2] in ("商品", "业务", "行业", "产业"):
        tail = words[-2] + tail
    return tail if len(tail) < len(last_item) else None


def _last_period_in(text: str, end: int, not_after: str, skip_bases: bool = False) -> re.Match | None:
    """The last period printed in text[:end] that is not the object of a comparison (`较上月`, `由上月`:
    a character of `not_after` before it) nor, with `skip_bases`, inside a basis (`较上年末`)."""
    bases = [b.span() for b in BASIS.finditer(text)] if skip_bases else []
    inner = [m for m in PERIOD.finditer(text, 0, end) if not (m.start() and text[m.start() - 1] in not_after)
             and not any(b0 < m.end() and m.start() < b1 for b0, b1 in bases)]
    return inner[-1] if inner else None


def _moves_in_points(fact: Fact) -> bool:
    """Whether a 持平 of what `fact` holds is 0 百分点: its change is in 百分点, or its value is printed in %."""
    if fact.change is not None:
        return fact.change.unit == "百分点"
    return fact.value is not None and fact.value.unit == "%"


class FactExtractor:
    def __init__(self, view: TextView, year: int | None = None):
        self.view = view
        self.year = year  # the article's year (masthead date): relative periods resolve against it
        self.firms: list[str] = []  # the article's firms so far, full names and brands, longest first

    def _view_text(self, span: Span) -> str:
        return self.view.text[self.view.from_original(span.start):self.view.from_original(span.end)]

    def _complete(self, fact: Fact) -> Fact:
        """The analyst fields, read from the view (folded, simplified) text of the spans."""
        if fact.period is not None:
            fact.period_norm = normalize_period(self._view_text(fact.period), self.year)
        fact.basis_class = basis_class(self._view_text(fact.basis)) if fact.basis else None
        scope = self._view_text(fact.scope) if fact.scope else None
        fact.scope_kind = "company" if scope in self.firms else scope_kind(scope)
        figure = fact.change or fact.value
        first = min(x.span.start for x in (fact.value, fact.change) if x is not None) if figure else fact.metric.start
        fact.modality = modality(self.view.text[self.view.from_original(fact.evidence.start):
                                                self.view.from_original(first)])
        return fact

    def span(self, start: int, end: int) -> Span:
        return self.view.span(start, end)

    def article(self, paragraphs: list[tuple[int, int]], headings: list[tuple[int, int]] = ()) -> list[Fact]:
        """Facts of the body paragraphs. A period printed in the headline group (`headings`) or an
        earlier paragraph governs later clauses that print none; a basis carries to the end of its
        sentence."""
        facts: list[Fact] = []
        art = ArticleState()
        self.firms = []
        for start, end in [*headings, *paragraphs]:
            for name in firm_names(self.view.text[start:end]):
                self._know_firm(name)
        for start, end in headings:
            self._firm_in(self.view.text[:end], start)  # `华晶半导体7月营收…`: the firm later clauses name
            for m in PERIOD.finditer(self.view.text, start, end):
                art.period = self.span(m.start(), m.end())
        for start, end in paragraphs:
            state = ParagraphState(period=art.period, scope=art.company if len(self._firm_roots()) == 1 else None)
            text = self.view.text[start:end]
            for s_start, s_end in _sentences(text):
                evidence = self.span(start + s_start, start + s_end)
                state.basis, state.listed_values = None, []
                if state.scope_is_local:
                    state.scope, state.scope_is_local = state.scope_until_sentence_end, False
                for clause in _clauses(text[s_start:s_end], start + s_start):
                    facts.extend(self._clause(clause, state, art, evidence))
            art.period = state.period
        return [self._complete(f) for f in facts]

    # -- one clause -------------------------------------------------------------------------

    def _clause(self, cl: Clause, st: ParagraphState, art: ArticleState, evidence: Span) -> list[Fact]:
        text, pos = cl.text, 0
        local_period = None
        lead = re.match(r"(?:截至|截止到?|到)", text)
        m = PERIOD.match(text, lead.end() if lead else 0) or DAY.match(text, lead.end() if lead else 0)
        if m and not text.startswith(("较", "比")):
            local_period = self.span(cl.start + m.start(), cl.start + m.end())
            pos = m.end()
            if not cl.in_brackets:
                st.period = local_period
        period = local_period or st.period
        rest = text[pos:]
        lead = _LEADING_FILLER.match(rest)
        if lead:
            pos += lead.end()
        scope_m = self._scope(text, pos) if "分别" not in text else None
        group = _GROUP_SUBJECT.match(text, pos) if scope_m is None else None
        if group:  # a group is the scope of its sentence only
            scope_m = pos, group.end()
        named_inside = scope_m is None and "分别" not in text and (scope_m := self._firm_in(text, pos)) is not None
        sentence_only = named_inside or bool(group)  # a firm named mid-clause or a group: this sentence's scope
        firm_scope = bool(scope_m) and text[scope_m[0]:scope_m[1]] in self.firms
        if scope_m:
            end = cl.start + scope_m[1]
            qualifier = _FIRM_QUALIFIER.match(self.view.text, end) if firm_scope and end == cl.end else None
            scope_span = self.span(cl.start + scope_m[0], qualifier.end() if qualifier else end)
            pos = scope_m[1] + (text[scope_m[1]:scope_m[1] + 1] == "的")
            if sentence_only and not st.scope_is_local:  # `最大的新股为美宜食品，集资…`
                st.scope_until_sentence_end, st.scope_is_local = st.scope, True
            elif not sentence_only:
                st.scope_is_local = False
            if not cl.in_brackets:
                st.scope = scope_span
            if not art.scopes or art.scopes[-1].text != scope_span.text:
                art.scopes.append(scope_span)
            if firm_scope and not sentence_only:
                art.company = scope_span
        partner = _PARTNER.match(text, pos)
        if partner and "分别" not in text:  # `我国对东盟出口…`: the trading partner is the scope
            st.scope = self.span(cl.start + partner.start("partner"), cl.start + partner.end("partner"))
            pos = partner.end()
        quantities = [q for q in QUANTITY.finditer(text, pos) if _is_statistic(text, q, q.group("unit") or "成")]
        if local_period is None and quantities:  # `IC封测厂日盛先进7月营收…`, `陈立民：去年，…`
            inner = _last_period_in(text, quantities[0].start(), "较比与同至到占过上由从", skip_bases=True)
            if inner:
                local_period = period = self.span(cl.start + inner.start(), cl.start + inner.end())
                if not cl.in_brackets:
                    st.period = local_period
        if "分别" in text and len(quantities) > 1:
            return self._enumeration(cl, text, pos, quantities, st, art, period, evidence)
        if not quantities and not FLAT.search(text, pos):
            alone = BASIS.match(text, pos)
            if alone and alone.end() == len(text) and not cl.in_brackets:  # `与去年同期相比，东部地区…下降…`
                st.basis = self.span(cl.start + alone.start(), cl.start + alone.end())
            if local_period is None and not cl.in_brackets:  # `记者5月20日从…获悉`: it governs what follows
                inner = _last_period_in(text, len(text), "较比与同至到")
                if inner:
                    st.period = self.span(cl.start + inner.start(), cl.start + inner.end())
            head = self._metric_mention(text, pos)
            if head and not cl.in_brackets:
                st.metric = self.span(cl.start + head[0], cl.start + head[1])
                st.metric_name = text[head[0]:head[1]]
                st.metric_is_share = False
            return []
        which = re.match("前者|后者", text[pos:])
        if which and len(st.listed_values) >= 2 and quantities and not cl.in_brackets:
            # `A和B分别为x和y，前者同比增长5%，后者增长2%`: the change completes that listed value
            fact = st.listed_values[0 if which.group(0) == "前者" else -1]
            dm = re.search(rf"({_DIRECTION_ALT})了?$", text[max(pos, quantities[0].start() - 4):quantities[0].start()])
            if dm and fact.change is None:
                q = quantities[0]
                basis_m = BASIS.search(text, pos, q.start())
                if basis_m:
                    st.basis = self.span(cl.start + basis_m.start(), cl.start + basis_m.end())
                fact.change = self._listed_change(cl, q.start() - len(dm.group(0)), q, direction_sign(dm.group(1)))
                fact.basis = fact.basis or st.basis
                return []
        saved_last = st.last_fact
        facts = []
        if FLAT.search(text, pos) and not quantities:
            fact = self._one(cl, text, pos, None, st, period, evidence)
            facts = [fact] if fact else []
        start = pos
        for q in quantities:  # "营业收入1234亿元增长5.6%": later quantities continue the first
            fact = self._one(cl, text, start, q, st, period, evidence)
            if fact is not None:
                facts.append(fact)
            start = q.end()
        if cl.in_brackets:
            st.last_fact = saved_last
        return facts

    def _scope(self, text: str, pos: int) -> tuple[int, int] | None:
        m = SCOPE.match(text, pos)
        if m:
            return pos, m.end()
        firm = self._firm_at(text, pos)
        if firm is not None:
            return pos, firm
        head = text[pos:pos + 12]
        if not any(is_place(head[:k]) for k in range(2, len(head) + 1)):
            return None  # jieba's first word is one of these prefixes: no need to segment
        first = first_word(head)
        if len(first) >= 2 and is_place(first) and not METRIC_HEAD.search(first):
            end = pos + len(first)
            suffix = re.match(r"(?:省|市|地区|自治区)", text[end:])
            end += suffix.end() if suffix else 0
            facility = _FACILITY.match(text, end)  # `宁波舟山港`, `广州南站`, `鄂州花湖机场`: the place's facility
            return pos, facility.end() if facility else end
        return None

    def _know_firm(self, name: str) -> None:
        for known in (name, brand_of(name)):
            if known and known not in self.firms:
                self.firms.append(known)
        self.firms.sort(key=len, reverse=True)

    def _firm_roots(self) -> set[str]:
        """The distinct firms named so far (a brand and its full name are one): one firm's article
        carries it to later paragraphs, a market report with several does not."""
        return {brand_of(n) or n for n in self.firms}

    def _firm_at(self, text: str, pos: int) -> int | None:
        """The end of a firm's name at `pos`: one the article named before, else a company name."""
        for name in self.firms:
            if text.startswith(name, pos):
                return pos + len(name)
        end = company_at(text, pos)
        if end is not None:
            self._know_firm(text[pos:end])
        return end

    def _firm_in(self, text: str, pos: int) -> tuple[int, int] | None:
        """A known firm named inside the clause before its first figure (`晶圆代工大厂华晶半导体7月营收`)."""
        if not _ANY_SUFFIX.search(text, pos) and not any(n in text for n in self.firms):
            return None  # most clauses name no firm: spare them the quantity search
        first = QUANTITY.search(text, pos)
        limit = first.start() if first else len(text)
        hits = [(i, i + len(n)) for n in self.firms if 0 <= (i := text.find(n, pos, limit))]
        if not hits and _ANY_SUFFIX.search(text, pos, limit) and COMPANY.search(text, pos, limit):
            # A name starts at a word (`大厂|华晶|半导体`, not `大厂华晶…`), else right after a one-character
            # function word that jieba glued to it (`为岚帆|科技`).
            starts = list(accumulate(len(w) for w in cut(text[pos:limit])))
            glued = [at for at in range(pos + 1, limit) if tag(text[at - 1]) in _GLUE_TAGS
                     and (m := COMPANY.match(text, at)) and len(m["brand"]) == 2]
            for candidates in ([pos, *(pos + n for n in starts[:-1])], glued):
                ends = {}
                for at in candidates:
                    end = company_at(text[:limit], at)
                    if end is not None:
                        ends[end] = at  # the latest start for each end: the brand, not its descriptor
                hits = [(start, end) for end, start in ends.items()]
                if hits:
                    break
            for start, end in hits:
                self._know_firm(text[start:end])
        return min(hits) if hits else None

    def _metric_phrase(self, text: str, start: int, end: int, allow_bare: bool = False) -> tuple[int, int] | None:
        """The metric noun phrase in text[start:end]: after the last verb, ending at a head."""
        seg = text[start:end]
        seg_strip = re.sub(rf"(?:{_VERB.pattern}|{_TRAILING}|的|了)+$", "", seg)
        share = re.search(r"(?:在[^，。]*?中)?(?:的)?(?:占比|占[^，。为达]*?(?:的)?(?:比重|比例|份额)|比重|份额)$", seg_strip)
        if share:
            s = start + share.start()
            if seg_strip[share.start()] == "的":
                s += 1
            return s, start + share.end()
        for words in (_WORD_WITH_DIGITS, _WORD):  # `28种蔬菜价格`, else the words between the digits
            found = self._head_phrase(seg_strip, words, start, end, allow_bare)
            if found is not None:
                return found
        return None

    def _head_phrase(self, seg_strip: str, words_re: re.Pattern, start: int, end: int,
                     allow_bare: bool) -> tuple[int, int] | None:
        words = list(words_re.finditer(seg_strip))
        if not words:
            return None
        last = words[-1]
        phrase = last.group(0)
        verb = None
        for v in _LIGHT_VERB.finditer(phrase):
            if v.end() < len(phrase) - 1:  # never leave a one-character metric (游客接待量)
                verb = v
        phrase_start = last.start() + verb.end() if verb else last.start()
        # "按照上年不变价计算的电信业务总量", "云计算、大数据等新兴业务收入": the metric follows 的/等
        tail = re.search(r"[的等]([^的等]{2,})$", seg_strip[phrase_start:last.end()])
        if tail and METRIC_HEAD.search(tail.group(1)):
            phrase_start += tail.start(1)
        firm = self._firm_at(seg_strip, phrase_start)
        if firm is not None and last.end() - firm >= 2:
            phrase_start = firm  # the company is the scope, not part of the metric
        elif seg_strip.startswith(("公司", "该公司"), phrase_start) and last.end() - phrase_start >= 4:
            phrase_start += 3 if seg_strip.startswith("该", phrase_start) else 2
        for cut_at in [*_PHRASE_CUT.finditer(seg_strip, phrase_start, last.end()),
                       *PERIOD.finditer(seg_strip, phrase_start, last.end())]:
            if last.end() - cut_at.end() >= 2 and cut_at.end() > phrase_start:
                phrase_start = cut_at.end()
        for opener in (_TIME_LEAD, _ADVERB_LEAD):
            lead = opener.match(seg_strip, phrase_start, last.end())
            if lead and last.end() - lead.end() >= 2:
                phrase_start = lead.end()
        if phrase_start and seg_strip[phrase_start - 1].isdigit() and seg_strip[phrase_start] in "月日年季":
            phrase_start += 1  # `4月营收`: the digits split the period from the word
        phrase = seg_strip[phrase_start:last.end()]
        if len(phrase) < 2:
            return None
        if not METRIC_HEAD.search(phrase) and not any(phrase.endswith(w) for w in RATE_WORDS):
            if not (allow_bare and 2 <= len(re.sub(r"\d+", "", phrase)) <= 8 and end - start - len(seg_strip) <= 3
                    and not PERIOD.search(phrase)):  # `到2025年末` is a date, `5年期以上LPR` a name
                return None
        return start + phrase_start, start + last.end()

    def _metric_mention(self, text: str, pos: int) -> tuple[int, int] | None:
        """The first metric named in a clause without numbers (`软件业务收入居前5名的省份中`)."""
        for m in METRIC_HEAD_ANY.finditer(text, pos):
            start = m.start()
            while start > pos and re.match(r"[\u4e00-\u9fffA-Za-z]", text[start - 1]):
                if _VERB.fullmatch(text[start - 2:start]) or _VERB.fullmatch(text[start - 1:start]):
                    break
                start -= 1
            return start, m.end()
        return None

    def _subject(self, text: str, start: int, metric_start: int) -> str:
        """The subject before a verb when the metric is a bare head (`软件产品实现收入`)."""
        seg = text[start:metric_start]
        seg = _VERB.sub("", seg) if _VERB.search(seg) else seg
        seg = re.sub(r"[^\u4e00-\u9fffA-Za-z0-9、]", "", seg).strip("、")
        return self._qualifier(seg.rsplit("等", 1)[-1] if "等" in seg[1:] else seg)

    def _qualifier(self, words: str) -> str:
        """What of `words` qualifies the metric's name: not a time (`全天`, `4月`), a cue (`预计`), a firm,
        a place nor a partner (`与东盟`)."""
        for name in self.firms:
            if name in words:
                words = words[words.rindex(name) + len(name):]
        words = _NOT_QUALIFIER.sub("", PERIOD.sub("", words))
        if not words or re.match(r"(?:与|对|同|和)", words) \
                or re.fullmatch(r"[一二三四五六七八九十两\d]+个?[\u4e00-\u9fff]{0,6}[省市区县国]", words) or is_place(words):
            return ""
        return words

    def _resolve_metric(self, cl: Clause, text: str, pos: int, limit: int, st: ParagraphState):
        """(metric span, metric name, is_rate_word, is_share) for the clause, with anaphora."""
        basis = BASIS.search(text, pos, limit)
        stop = basis.start() if basis else limit
        head = self._metric_phrase(text, pos, stop, allow_bare=True)
        if head is None:
            prior = st.last_fact
            if prior is not None:
                return prior.metric, prior.metric_name, False, prior.metric_name.endswith("占比"), True
            if st.metric is None:
                return None
            return st.metric, st.metric_name, False, st.metric_is_share, True
        phrase = text[head[0]:head[1]]
        span = self.span(cl.start + head[0], cl.start + head[1])
        if phrase in RATE_WORDS or any(phrase.endswith(w) for w in RATE_WORDS) and len(phrase) <= 3:
            return span, st.metric_name or phrase, True, False, False
        if re.search("|".join(SHARE_WORDS) + "|占", phrase):
            referred = self._referred_before_share(text, pos, head[0]) or st.metric_name or ""
            return span, referred + "占比", False, True, False
        name = re.sub(r"^(?:累计|合计)(?=..)", "", phrase)  # in the span, not in the name (`累计结余`)
        if METRIC_HEAD.fullmatch(name) or len(name) <= 4:
            subject = self._subject(text, pos, head[0])
            if subject and not is_place(subject):
                name = subject + phrase
        return span, name, False, False, False

    def _referred_before_share(self, text: str, pos: int, share_start: int) -> str | None:
        seg = text[pos:share_start]
        seg = re.sub(r"^(?:[一二三四五六七八九十\d]+[个大]?(?:地区|省份|省市|城市|区域|行业|领域|板块))?(?:合计|共|累计)?", "",
                     seg)
        seg = re.sub(r"(?:合计|共|累计)$", "", seg)
        m = re.search(r"[\u4e00-\u9fffA-Za-z]+$", seg)
        if m and METRIC_HEAD.search(m.group(0)):
            head = METRIC_HEAD_ANY.search(m.group(0))  # `民营企业进出口`: the group is no part of the name
            words = m.group(0)[:head.start()] if head else ""
            return self._qualifier(words) + m.group(0)[len(words):] if words else m.group(0)
        return None

    def _one(self, cl: Clause, text: str, pos: int, q: re.Match | None, st: ParagraphState,
             period: Span | None, evidence: Span) -> Fact | None:
        if q is None:  # 持平
            flat = FLAT.search(text, pos)
            qstart, change_span, number, unit = flat.start(), (flat.start(), flat.end()), Decimal(0), "%"
            direction, is_change, period_basis = "持平", True, False
        else:
            qstart = q.start()
            before = text[max(pos, qstart - 4):qstart]
            dm = re.search(rf"({_DIRECTION_ALT})了?$", before)
            is_change = dm is not None
            direction = dm.group(1) if dm else None
            change_span = (qstart - len(dm.group(0)), q.end()) if dm else None
            period_basis = bool(change_span) and direction in ("增", "减") and bool(
                _PERIOD_BASIS.search(text, pos, change_span[0]))
            if period_basis:
                change_span = (change_span[0] - 1, change_span[1])  # Taiwan `年增`/`月减`: basis and change
            quantity = parse_quantity(q)
            number, unit = quantity.number, quantity.unit
        metric_end = change_span[0] if is_change else qstart
        resolved = self._resolve_metric(cl, text, pos, metric_end, st)
        if resolved is None:
            return None
        metric_span, metric_name, rate_word, is_share, inherited = resolved
        basis_m = BASIS.search(text, pos, metric_end)
        basis = self.span(cl.start + basis_m.start(), cl.start + basis_m.end()) if basis_m else None
        if period_basis:
            basis = self.span(cl.start + change_span[0], cl.start + change_span[0] + 2)
        if basis is not None:
            st.basis = basis
        elif is_change and not cl.in_brackets:
            basis = st.basis
        prior = st.last_fact if inherited else None
        if is_change and direction == "持平" and (rate_word or prior is not None and _moves_in_points(prior)):
            unit = "百分点"
        if is_change:
            sign = direction_sign(direction, metric_span.text if not inherited else "")
            of = "level"
            if unit == "百分点" and (rate_word or inherited and not is_share):
                of = "rate"
            change = Change(self.span(cl.start + change_span[0], cl.start + change_span[1]), sign * number, unit, of)
            if (prior is not None and prior.change is None and prior.value is not None
                    and (unit != "百分点" or prior.value.unit == "%") and not cl.in_brackets):
                change.of = "level"  # a 百分点 move of a value printed in % is a move of that level
                prior.change = change
                if prior.basis is None:
                    prior.basis = basis
                return None
            fact = Fact(metric_span, metric_name, None, change, basis, period, st.scope, evidence)
        else:
            value = Value(self.span(cl.start + q.start(), cl.start + q.end()), number, unit, quantity.approx,
                          quantity.low, quantity.high)
            fact = Fact(metric_span, metric_name, value, None, basis, period, st.scope, evidence)
        if not inherited and not rate_word:
            st.metric, st.metric_name, st.metric_is_share = metric_span, metric_name, is_share
        st.last_fact = fact
        return fact

    def _enumeration(self, cl: Clause, text: str, pos: int, quantities: list[re.Match], st: ParagraphState,
                     art: ArticleState, period: Span | None, evidence: Span) -> list[Fact]:
        idx = text.index("分别")
        paired = self._pair_changes(cl, text, idx, quantities, st)
        if paired:
            return []
        facts = self._enumerate(cl, text, pos, idx, quantities, st, art, period, evidence)
        listed = [f for f in facts if f.value is not None and f.change is None]
        st.listed_values = listed if len(listed) == len(quantities) else []
        return facts

    def _listed_change(self, cl: Clause, start: int, q: re.Match, sign: int) -> Change:
        """The change of a listed item: from `start` (its direction word) to the end of its quantity."""
        quantity = parse_quantity(q)
        return Change(self.span(cl.start + start, cl.start + q.end()), sign * quantity.number, quantity.unit, "level")

    def _pair_changes(self, cl: Clause, text: str, idx: int, quantities: list[re.Match], st: ParagraphState) -> bool:
        """`分别为A、B和C，同比分别增长x、y和z`: a list of changes right after a list of as many values
        in the same sentence completes those facts, in order."""
        dm = re.match(rf"分别(?:{_DIRECTION_ALT})了?", text[idx:])
        values = st.listed_values
        if not dm or len(values) != len(quantities) or any(f.change is not None for f in values):
            return False
        direction = re.match(rf"分别({_DIRECTION_ALT})", text[idx:]).group(1)
        sign = direction_sign(direction)
        basis_m = BASIS.search(text, 0, idx)
        basis = self.span(cl.start + basis_m.start(), cl.start + basis_m.end()) if basis_m else st.basis
        for i, (fact, q) in enumerate(zip(values, quantities, strict=True)):
            start = idx + 2 if i == 0 else q.start()
            own = re.search(rf"({_DIRECTION_ALT})了?$", text[max(idx, q.start() - 4):q.start()]) if i else None
            if own:  # `增长5.6%和下降3.1%`: an item with its own direction
                start = q.start() - len(own.group(0))
                sign = direction_sign(own.group(1))
            fact.change = self._listed_change(cl, start, q, sign)
            fact.basis = fact.basis or basis
        if basis is not None:
            st.basis = basis
        st.listed_values = []
        st.last_fact = values[-1]
        return True

    def _enumerate(self, cl: Clause, text: str, pos: int, idx: int, quantities: list[re.Match], st: ParagraphState,
                   art: ArticleState, period: Span | None, evidence: Span) -> list[Fact]:
        lead = re.match(r"(?:我国|全国|本市|全省)?[与对同和]", text[pos:idx])  # 我国与东盟、欧盟…
        if lead and any(c in text[pos + lead.end():idx] for c in _SEP):
            pos += lead.end()
        whole = re.match(r"(?:全国|我国|全省|全市|全区|全县)(?!各)", text[pos:idx])  # `全国精炼铜、原铝产量分别…`
        list_scope = None
        if whole and any(c in text[pos + whole.end():idx] for c in _SEP):
            list_scope = self.span(cl.start + pos, cl.start + pos + whole.end())
            pos += whole.end()
        head_end = idx
        tail_metric = self._metric_phrase(text, pos, idx)
        if tail_metric and any(c in text[pos:idx] for c in _SEP):
            # "四川、湖北和重庆软件业务收入分别…": the metric is glued to the last listed place
            last = re.split(rf"[{_SEP}]", text[pos:tail_metric[1]])[-1]
            for n in range(len(last) - 1, 1, -1):
                if is_place(last[:n]):
                    head_end = tail_metric[1] - len(last) + n
                    tail_metric = (head_end + (text[head_end] == "的"), tail_metric[1])
                    break
        head = text[pos:head_end]
        items = [m for m in re.finditer(rf"[^{_SEP}]+", head)] if any(c in head for c in _SEP) else []
        scopes: list[Span | None] = []
        metrics: list[tuple[Span, str] | None] = []
        n = len(quantities)
        if len(items) == n:
            for it in items:
                word = it.group(0)
                sp = self.span(cl.start + pos + it.start(), cl.start + pos + it.end())
                if is_place(word, suffix_only=True) or SCOPE.fullmatch(word):
                    scopes.append(sp)
                    art.scopes.append(sp)
                    metrics.append(None)
                else:
                    scopes.append(None)
                    metrics.append((sp, word))
            tail = _shared_tail(items[0].group(0), items[-1].group(0)) if all(metrics) else None
            if tail and not any(METRIC_HEAD.search(it.group(0)) for it in items[:-1]):
                # `精炼铜、原铝产量分别…`: the list is one span, and each item takes the head the last one prints
                whole = self.span(cl.start + pos + items[0].start(), cl.start + pos + items[-1].end())
                metrics = [(whole, it.group(0) + tail) for it in items[:-1]] + [(whole, items[-1].group(0))]
        else:
            back = re.search(r"([一二三四五六七八九十\d]+)[个大](?:地区|省份|省市|城市|区域|板块)", head)
            if back:
                distinct: list[Span] = []
                for sp in reversed(art.scopes):
                    if all(sp.text != d.text for d in distinct):
                        distinct.append(sp)
                distinct = list(reversed(distinct[:n]))
                if len(distinct) == n:
                    scopes = list(distinct)
            metrics = [None] * n
            if not scopes and len(st.listed_scopes) == n:  # "…的比重分别为…" after a listed 分别
                scopes = list(st.listed_scopes)
            if not scopes:
                scopes = [None] * n
        share = tail_metric if head_end != idx else self._metric_phrase(text, pos, idx)
        if share is None:  # "…分别实现地区生产总值612.3亿元、…": the metric follows 分别 and a verb
            after = re.match(rf"分别(?:{_VERB.pattern})?", text[idx:])
            stop = quantities[0].start()
            direction_m = re.search(rf"(?:{_DIRECTION_ALT})了?$", text[:stop])
            if direction_m and direction_m.start() >= idx:
                stop = direction_m.start()
            share = self._metric_phrase(text, idx + after.end(), stop)
        if share:
            base_span = self.span(cl.start + share[0], cl.start + share[1])
            phrase = text[share[0]:share[1]]
            base_name = phrase
            if re.search("|".join(SHARE_WORDS) + "|占", phrase):
                referred = self._referred_before_share(text, pos, share[0]) or st.metric_name or ""
                base_name = referred + "占比"
        else:
            base_span, base_name = st.metric, st.metric_name
        if base_span is None and not any(metrics):
            return []
        dm = re.match(rf"分别(?:为|是|达到?)?({_DIRECTION_ALT})?了?", text[idx:])
        direction = dm.group(1) if dm else None
        basis_m = BASIS.search(text, pos, idx + (dm.end() if dm else 2))
        basis = self.span(cl.start + basis_m.start(), cl.start + basis_m.end()) if basis_m else None
        if basis is not None:
            st.basis = basis
        elif direction:
            basis = st.basis
        facts = []
        for i, q in enumerate(quantities):
            quantity = parse_quantity(q)
            metric_span, metric_name = metrics[i] if metrics[i] else (base_span, base_name)
            if metrics[i] and base_span is None:
                metric_name = metrics[i][1]
            if metric_span is None:  # a listed item with no metric of its own and none to inherit
                continue
            q_start = q.start()
            if direction:
                if i == 0:
                    q_start = idx + dm.start(1)
                change = self._listed_change(cl, q_start, q, direction_sign(direction))
                fact = Fact(metric_span, metric_name, None, change, basis, period, scopes[i] or list_scope or st.scope,
                            evidence)
            else:
                value = Value(self.span(cl.start + q.start(), cl.start + q.end()), quantity.number, quantity.unit,
                              quantity.approx, quantity.low, quantity.high)
                fact = Fact(metric_span, metric_name, value, None, basis, period, scopes[i] or list_scope or st.scope,
                            evidence)
            facts.append(fact)
        st.last_fact = facts[-1] if facts else st.last_fact
        if any(scopes):
            st.listed_scopes = scopes
        if share and not base_name.endswith("占比"):
            st.metric, st.metric_name, st.metric_is_share = base_span, base_name, False
        return facts
