"""PER / LOC / ORG mentions (rule baseline): jieba part-of-speech tags, organisation suffixes,
speech and title cues for names, and a gazetteer of provinces, major cities and countries.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..model import Entity, TextView
from .words import cut, has_place_suffix, tag

PROVINCES = (
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 贵州 云南 陕西 甘肃 "
    "青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门 深圳 广州 杭州 南京 武汉 成都 西安 苏州 青岛 厦门 大连 宁波 沈阳 长沙 "
    "郑州 济南 合肥 福州 昆明 哈尔滨 长春 石家庄 太原 南昌 南宁 贵阳 兰州 西宁 银川 乌鲁木齐 拉萨 呼和浩特 海口 无锡 东莞 佛山 "
    "中国 美国 日本 韩国 德国 法国 英国 俄罗斯 印度 欧盟 东盟 非洲 欧洲 亚洲 拉美 东南亚 中东 京 沪 粤 雄安 浦东"
).split()
REGION = re.compile(r"(?:[东中西]部|东北|华东|华南|华北|华中|西南|西北)地区|长三角|珠三角|京津冀|粤港澳大湾区|成渝地区")
ORG_SUFFIX = re.compile(
    r"(?:有限公司|股份公司|公司|集团|医院|大学|学院|银行|协会|学会|委员会|研究院|研究所|中心|局|部|委|厅|署|办公室|政府|兵团|"
    r"法院|检察院|交易所|商会|基金会|出版社|报社|联合会|纪检监察组|监委|纪委|联盟)$"
)
GENERIC_ORG = {"部门", "主管部门", "管理部门", "中心", "数据中心", "部机关", "内部", "全部", "外部", "局部", "干部",
               "总部", "本部", "东部", "西部", "中部", "南部", "北部", "俱乐部", "医院", "公司", "银行", "集团", "大学"}
NOT_ORG_HEADS = {"部署", "签署", "干部", "全部", "局部", "格局", "布局", "大局", "结局", "开局", "当局", "内部", "外部", "南部",
                 "北部", "东部", "西部", "中部", "顶部", "底部", "细部", "头部", "腰部", "尾部", "批示", "胸部", "公署"}
# jieba tags these as places; they are not
NOT_PLACE_WORDS = {"我国", "全国", "国内", "城市", "中心", "地区", "东方", "南方", "北方",
                   "西方", "海外", "国外", "内地", "沿海", "农村", "城乡", "各地", "当地", "本地", "外地", "山区", "深度"}
ROLE_ENDINGS = ("长", "工", "员", "师", "人", "家", "生", "手", "者", "匠", "农", "户")
SPEECH = "认为|说|表示|指出|介绍|说道|坦言|告诉|透露|强调|建议|同志|总书记|提出|谈到"
TITLES = ("董事长", "总裁", "CEO", "副总裁", "院长", "主任", "记者", "教授", "书记", "部长", "局长", "经理", "总经理",
          "研究员", "专家", "负责人", "创始人", "市长", "省长", "主席", "工程师", "医生", "总监", "秘书长", "会长", "所长")
SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石"
    "廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳"
    "翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳"
    "时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖"
    "巩明佘池查麻苑迟邝习"
)
_PUNCT = set("，。、；：！？“”‘’（）()《》【】—…·,.;:!? \n")
_STOP_TAGS = ("x", "p", "uj", "ul", "r", "d", "m", "t", "f", "c", "q", "ad", "y", "u", "z")


_NUMBER = re.compile(r"[.0-9]+$")
_LATIN = re.compile(r"[A-Za-z0-9]+$")


def _shape_tag(word: str) -> str:
    """A tag for a word jieba's dictionary lacks (one its HMM joined): a number, Latin, a name if it
    starts with a surname and is 2–3 characters long, else a proper noun."""
    if _NUMBER.match(word):
        return "m"
    if _LATIN.match(word):
        return "eng"
    if 2 <= len(word) <= 3 and word[0] in SURNAMES:
        return "nr"
    if len(word) >= 2 and all("\u4e00" <= c <= "\u9fff" for c in word):
        return "nz" if len(word) <= 3 else "n"
    return "x"


def _tagged_words(text: str, words: Callable[[str], list[str]] = cut) -> list[tuple[str, str]]:
    """Words and part-of-speech tags: jieba's (or the given) segmentation with dictionary tags. jieba.posseg's
    joint HMM tags unknown words too, at a fifth of the speed, for the same entity F1 within
    0.01 on the People's Daily test split and the gold pages (see models/README.md)."""
    return [(word, tag(word) or _shape_tag(word)) for word in words(text)]


def _overlaps(spans: list[tuple[int, int, str]], s: int, e: int) -> bool:
    return any(s < b and a < e for a, b, _ in spans)


def find_entities(text: str, words: Callable[[str], list[str]] = cut) -> list[tuple[int, int, str]]:
    """(start, end, label) within `text` (one paragraph or line), from the words `words` cuts."""
    tokens = _tagged_words(text, words)
    offsets = []
    pos = 0
    for word, flag in tokens:
        offsets.append((pos, pos + len(word), word, flag))
        pos += len(word)
    found: list[tuple[int, int, str]] = []

    # ORG: nt words, and noun runs ending in an organisation suffix
    for i, (s, e, word, flag) in enumerate(offsets):
        if flag == "nt" and not ORG_SUFFIX.search(word):
            if len(word) >= 3 and word not in GENERIC_ORG and not _overlaps(found, s, e):
                found.append((s, e, "ORG"))
            continue
        if not ORG_SUFFIX.search(word) or flag in _STOP_TAGS or word in NOT_ORG_HEADS:
            continue
        j = i
        while j > 0:
            pw, pf = offsets[j - 1][2], offsets[j - 1][3]
            # a verb ends the name unless an organisation precedes it (工信部|运行监测协调局: a sub-unit)
            inside_unit = j >= 2 and re.search(r"[部局委厅院所]$", offsets[j - 2][2]) is not None
            if pw in _PUNCT or pf in _STOP_TAGS and pw != "和" or pw in TITLES or pf == "v" and not inside_unit \
                    or any(pw.endswith(t) for t in TITLES):
                break
            if pw == "和" and (j < 2 or offsets[j - 2][3] not in ("n", "nz", "ns", "nt", "vn")):
                break
            j -= 1
        start = offsets[j][0]
        name = text[start:e]
        proper = any(offsets[k][3] in ("ns", "nt", "nz", "nr", "j", "eng", "nrt") for k in range(j, i + 1))
        if name in GENERIC_ORG or len(name) < 3 or not (proper or len(name) >= 6):
            continue
        found = [f for f in found if not (start <= f[0] and f[1] <= e)]
        if not _overlaps(found, start, e):
            found.append((start, e, "ORG"))
    for m in re.finditer(r"(?<![A-Za-z])[A-Z]{4,}(?![A-Za-z])", text):
        if not _overlaps(found, m.start(), m.end()):
            found.append((m.start(), m.end(), "ORG"))

    # PER: a surname + 1–2 characters before a speech verb, after a title, or a tagged name
    for m in re.finditer(rf"(?={SPEECH})", text):
        for n in (3, 2):
            s = m.start() - n
            if (s >= 0 and text[s] in SURNAMES and all("\u4e00" <= c <= "\u9fff" for c in text[s:m.start()])
                    and not (tag(text[s:s + 2]) or "").startswith("v")):  # 采访时指出: not a name
                if s == 0 or text[s - 1] in _PUNCT or text[:s].endswith(TITLES) or n == 3:
                    if not _overlaps(found, s, m.start()):
                        found.append((s, m.start(), "PER"))
                    break
    for i, (s, e, word, flag) in enumerate(offsets):
        if has_place_suffix(word) and len(word) >= 3 and flag in ("ns", "nr", "nz"):
            continue  # 伍家岗区: a place jieba tagged as a name
        if flag in ("nr", "nrfg", "nrt") and 2 <= len(word) <= 4 and word[0] in SURNAMES:
            prev = offsets[i - 1][2] if i else ""
            prev2 = offsets[i - 2][2] if i > 1 else ""
            nxt = offsets[i + 1][2] if i + 1 < len(offsets) else ""
            context = (prev.endswith(TITLES) or re.match(SPEECH, nxt) or flag == "nrfg" or len(word) == 3
                       or prev.endswith(ROLE_ENDINGS) or prev in ("：", ":") and prev2.endswith(ROLE_ENDINGS))
            if context and not _overlaps(found, s, e):
                found.append((s, e, "PER"))
        if len(word) == 1 and word in SURNAMES and i + 1 < len(offsets) and offsets[i + 1][3] in ("nr", "nrfg") \
                and len(offsets[i + 1][2]) <= 2:
            e2 = offsets[i + 1][1]
            prev = offsets[i - 1][2] if i else ""
            if (prev.endswith(TITLES) or prev.endswith(ROLE_ENDINGS)) and not _overlaps(found, s, e2):
                found.append((s, e2, "PER"))

    # LOC: gazetteer words and regions; 京 in 在京 / 京外 / 进京
    for m in REGION.finditer(text):
        if not _overlaps(found, m.start(), m.end()):
            found.append((m.start(), m.end(), "LOC"))
    for s, e, word, flag in offsets:
        place = word in PROVINCES and word != "京" or (
            flag in ("ns", "nr", "nz") and has_place_suffix(word) and 3 <= len(word) <= 5
            or flag == "ns" and tag(word) == "ns" and 2 <= len(word) <= 3 and word not in NOT_PLACE_WORDS)
        if place and not _overlaps(found, s, e):
            found.append((s, e, "LOC"))
    for m in re.finditer(r"(?<=[在进来赴离])京|京(?=外)", text):
        if not _overlaps(found, m.start(), m.end()):
            found.append((m.start(), m.end(), "LOC"))
    titles = [(m.start(), m.end()) for m in re.finditer(r"《[^》]*》", text)]
    return sorted(f for f in found if not any(a <= f[0] and f[1] <= b for a, b in titles))


class EntityExtractor:
    """Names in a view's lines; `words` is the word segmenter (`words.make_segmenter`)."""

    def __init__(self, view: TextView, words: Callable[[str], list[str]] = cut):
        self.view = view
        self.words = words

    def article(self, lines: list[tuple[int, int]]) -> list[Entity]:
        out = []
        for start, end in lines:
            text = self.view.text[start:end]
            for s, e, label in find_entities(text, self.words):
                out.append(Entity(self.view.span(start + s, start + e), label))
            byline = r"(?:^|[（(])(?:本报|新华社|特约)?(?:记者|通讯员|实习生|作者)[ \t]*((?:[\u4e00-\u9fff]{2,3}[ 、]*)+)(?:[）)]|$)"
            for m in re.finditer(byline, text):
                for name in re.finditer(r"[\u4e00-\u9fff]{2,3}", m.group(1)):
                    s0, e0 = start + m.start(1) + name.start(), start + m.start(1) + name.end()
                    if not any(x.span.start < self.view.index[e0 - 1] + 1 and self.view.index[s0] < x.span.end
                               for x in out):
                        out.append(Entity(self.view.span(s0, e0), "PER"))
            m = re.search(r"[（(]([\u4e00-\u9fff]{2,3})[）)]$", text)
            if m and not any(x.span.start <= self.view.index[start + m.start(1)] < x.span.end for x in out):
                out.append(Entity(self.view.span(start + m.start(1), start + m.end(1)), "PER"))
        return sorted(out, key=lambda x: x.span.start)
