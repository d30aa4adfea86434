"""The seed's 治安案件倒查: 15 cases since 2012 supplied by 港西派出所, imported through the real
import (as the station's officer would), then each reviewed by the office as 排除涉黑涉恶可能."""

import io
from datetime import date, timedelta

import xlsxwriter
from django.core.files.base import ContentFile
from stdnum.cn import ric

from saohei.cases import services
from saohei.cases.importing import CASE_COLUMNS, CASE_TABLE, PERSON_COLUMNS, PERSON_TABLE
from saohei.cases.models import Case, ImportStatus, ReviewConclusion
from saohei.organisations.models import Unit, User


def _id_number(birth: str, sequence: str) -> str:
    """A fictional 荣成 (371082) number with a correct check character. Births are 1989 or
    later: python-stdnum accepts 371082 only from the year 荣成市 got that code."""
    body = f"371082{birth}{sequence}"
    # calc_check_digit ignores the last character: it expects a full-length number.
    return body + ric.calc_check_digit(body + "0")


# 案件编号, 案由, 性质, 发案时间, 地点, 村, 简要案情, 处理结果, 手段, 起因, 涉案人员, 倒查理由
# (涉案人员: 姓名, 角色, 身份证号); a case with a 纠集者 is reviewed as a 团伙.
CASES = [
    (
        "GXPCS-2012-031",
        "寻衅滋事",
        "治安",
        "2012-06-14 21:40",
        "北港村渔港码头",
        "北港村",
        "于某强酒后在码头无故拦截收工渔民，推搡辱骂，阻碍卸货约半小时。",
        "行政拘留十日",
        "暴力",
        "其他",
        [("于某强", "参与者", _id_number("19900417", "031")), ("李某", "被害人", "")],
        "系个人酒后滋事，此后未再发生类似行为",
    ),
    (
        "GXPCS-2012-077",
        "故意伤害",
        "刑事",
        "2012-11-02",
        "东岛村村委会门前",
        "东岛村",
        "张某与邻居孙某因宅基地边界争执互殴，致孙某轻伤二级。",
        "张某被判处有期徒刑六个月，缓刑一年；已赔偿并取得谅解",
        "暴力",
        "邻里",
        [("张某", "参与者", _id_number("19890823", "015")), ("孙某", "被害人", "")],
        "系邻里宅基地纠纷引发的个人伤害",
    ),
    (
        "GXPCS-2013-019",
        "故意毁坏财物",
        "治安",
        "2013-03-21",
        "海埠村海参养殖区",
        "海埠村",
        "刘某讨要拖欠的看护工钱未果，剪断雇主养殖网箱绳索两处。",
        "行政拘留五日，赔偿损失",
        "其他",
        "劳动",
        [("刘某", "参与者", ""), ("杨某", "被害人", "")],
        "系劳务报酬纠纷引发",
    ),
    (
        "GXPCS-2013-102",
        "聚众斗殴",
        "刑事",
        "2013-08-17 22:10",
        "港西村夜市",
        "港西村",
        "两伙青年因排队琐事在夜市持木棍互殴，双方共5人参与，1人轻伤。",
        "首要分子王某、陈某被判处有期徒刑一年；其余人员行政拘留",
        "暴力",
        "其他",
        [
            ("王某", "纠集者", _id_number("19920105", "057")),
            ("陈某", "纠集者", _id_number("19910711", "012")),
            ("赵某", "参与者", ""),
            ("周某", "参与者", ""),
            ("吴某", "参与者", ""),
        ],
        "系偶发琐事临时纠集，事后双方人员未再聚集，均无其他违法犯罪记录",
    ),
    (
        "GXPCS-2014-044",
        "敲诈勒索",
        "刑事",
        "2014-05-09",
        "南岭村",
        "南岭村",
        "郑某以举报村民违章建房相要挟，索要现金3000元。",
        "判处有期徒刑八个月",
        "威胁",
        "单纯牟利",
        [("郑某", "参与者", _id_number("19890330", "093")), ("冯某", "被害人", "")],
        "系个人单独作案，无同伙，无欺压群众的其他行为",
    ),
    (
        "GXPCS-2014-120",
        "寻衅滋事",
        "治安",
        "2014-10-26 19:30",
        "石湾村小卖部",
        "石湾村",
        "褚某酒后在村内小卖部滋事，砸坏柜台玻璃。",
        "行政拘留七日，赔偿损失",
        "暴力",
        "其他",
        [("褚某", "参与者", "")],
        "系个人酒后滋事",
    ),
    (
        "GXPCS-2015-036",
        "故意伤害",
        "治安",
        "2015-04-18",
        "渔家疃村",
        "渔家疃村",
        "夫妻争吵中，丈夫卫某殴打妻子致轻微伤。",
        "行政拘留五日，出具家庭暴力告诫书",
        "暴力",
        "家庭",
        [("卫某", "参与者", ""), ("蒋某", "被害人", "")],
        "系家庭矛盾引发",
    ),
    (
        "GXPCS-2015-088",
        "故意毁坏财物",
        "治安",
        "2015-09-03",
        "马家寨村工地",
        "马家寨村",
        "沈某为讨要工程款，砸坏包工头的挖掘机车窗。",
        "行政拘留五日，赔偿损失；工程款纠纷另行诉讼",
        "暴力",
        "劳动",
        [("沈某", "参与者", _id_number("19891114", "038")), ("韩某", "被害人", "")],
        "系工程款纠纷引发",
    ),
    (
        "GXPCS-2016-015",
        "寻衅滋事",
        "治安",
        "2016-02-12 10:20",
        "龙泉村村口",
        "龙泉村",
        "春节期间朱某等三人在村口拦截外村车辆索要“过路烟”，被拒后辱骂司机。",
        "朱某行政拘留十日，其余二人批评教育",
        "软暴力",
        "单纯牟利",
        [
            ("朱某", "纠集者", _id_number("19950209", "071")),
            ("秦某", "参与者", ""),
            ("尤某", "参与者", ""),
        ],
        "仅此一次，处罚后三人未再实施类似行为，走访村民未反映其欺压群众",
    ),
    (
        "GXPCS-2016-093",
        "敲诈勒索",
        "治安",
        "2016-08-30",
        "后海村饭店",
        "后海村",
        "许某以曝光饭店卫生问题相要挟，索要800元。",
        "行政拘留十日",
        "威胁",
        "单纯牟利",
        [("许某", "参与者", ""), ("何某", "被害人", "")],
        "系个人单独作案，数额较小",
    ),
    (
        "GXPCS-2017-027",
        "故意伤害",
        "刑事",
        "2017-05-21",
        "王家庄村",
        "王家庄村",
        "吕某与同村施某因土地流转款分配发生口角，持铁锨击伤施某。",
        "判处有期徒刑一年",
        "暴力",
        "邻里",
        [("吕某", "参与者", _id_number("19900902", "054")), ("施某", "被害人", "")],
        "系土地流转款分配纠纷引发",
    ),
    (
        "GXPCS-2017-110",
        "故意毁坏财物",
        "治安",
        "2017-11-05",
        "盐场村",
        "盐场村",
        "孔某因恋爱纠纷砸坏前女友家院门。",
        "行政拘留五日，赔偿损失",
        "暴力",
        "婚恋",
        [("孔某", "参与者", "")],
        "系婚恋纠纷引发",
    ),
    (
        "GXPCS-2018-042",
        "寻衅滋事",
        "治安",
        "2018-04-09 07:50",
        "柳树庄村集市",
        "柳树庄村",
        "曹某在集市强行低价收购渔获未果，掀翻摊位。",
        "行政拘留十日",
        "暴力",
        "单纯牟利",
        [("曹某", "参与者", _id_number("19930125", "016")), ("严某", "被害人", "")],
        "系个人单次行为，经走访集市摊主未发现其长期欺行霸市",
    ),
    (
        "GXPCS-2018-097",
        "聚众斗殴",
        "刑事",
        "2018-07-22 05:40",
        "港湾社区渔港泊位",
        "港湾社区",
        "两条渔船船员因争抢泊位发生斗殴，双方共4人参与。",
        "首要分子华某被判处有期徒刑一年六个月；其余人员行政拘留",
        "暴力",
        "其他",
        [
            ("华某", "纠集者", _id_number("19910318", "079")),
            ("金某", "参与者", ""),
            ("魏某", "参与者", ""),
            ("陶某", "参与者", ""),
        ],
        "系争抢泊位的临时冲突，船员流动作业，未形成固定组织",
    ),
    (
        "GXPCS-2019-008",
        "故意伤害",
        "治安",
        "2019-01-15",
        "海景社区",
        "海景社区",
        "姜某与邻居戚某因停车位发生推搡，致戚某轻微伤。",
        "行政拘留五日，罚款500元",
        "暴力",
        "邻里",
        [("姜某", "参与者", ""), ("戚某", "被害人", "")],
        "系邻里停车纠纷引发",
    ),
]
EXCLUDED_NOTES = (
    "经镇扫黑办会同港西派出所调阅卷宗、走访当事人及周边群众，该案{reason}。"
    "涉案人员无其他涉黑涉恶线索，未发现组织、领导、纠集他人多次实施违法犯罪或欺压群众的情形，"
    "排除涉黑涉恶可能。"
)
FIRST_REVIEW_DAY = date(2019, 3, 4)
# The vehicles the station recorded for a few persons (the import's 车牌号 column), written as
# the station types them. No plate recurs across cases: the seed found no one coming back.
PLATES = {
    ("GXPCS-2012-031", "于某强"): "鲁K·3M215",
    ("GXPCS-2013-102", "王某"): "鲁K 7B806、鲁K0912挂",
    ("GXPCS-2014-044", "郑某"): "鲁KD28517",
    ("GXPCS-2016-015", "朱某"): "鲁K·5T3C9",
    ("GXPCS-2018-097", "华某"): "鲁K62315F，鲁KFX3271",
}


def _workbook() -> bytes:
    """The station's spreadsheet, laid out like the import template."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    cases = workbook.add_worksheet(CASE_TABLE)
    persons = workbook.add_worksheet(PERSON_TABLE)
    for column, spec in enumerate(CASE_COLUMNS):
        cases.write_string(0, column, spec.title)
    for column, spec in enumerate(PERSON_COLUMNS):
        persons.write_string(0, column, spec.title)
    person_row = 1
    for row, case in enumerate(CASES, start=1):
        for column, value in enumerate(case[:10]):
            cases.write_string(row, column, str(value))
        for name, role, id_number in case[10]:
            values = [case[0], name, id_number, "", "", role, PLATES.get((case[0], name), "")]
            for column, value in enumerate(values):
                persons.write_string(person_row, column, value)
            person_row += 1
    workbook.close()
    return buffer.getvalue()


def load_demo_cases(town: Unit) -> int:
    """Returns how many cases it created (0 when the town already has cases)."""
    if Case.objects.filter(unit=town).exists():
        return 0
    police = User.objects.get(username="minjing")
    office = User.objects.get(username="banshi")
    job = services.import_cases_file(
        actor=police,
        unit=town,
        file=ContentFile(_workbook(), name="港西派出所2012年以来刑事治安案件.xlsx"),
    )
    if job.status != ImportStatus.SUCCEEDED:
        raise RuntimeError(f"演示案件导入失败：{job.message} {job.errors[:3]}")
    numbers = {case[0]: case for case in CASES}
    for n, case in enumerate(Case.objects.filter(unit=town).order_by("occurred_on", "id")):
        persons = numbers[case.number][10]
        organisers = [name for name, role, _ in persons if role == "纠集者"]
        services.review_case(
            actor=office,
            case=case,
            conclusion=ReviewConclusion.EXCLUDED,
            reviewed_on=FIRST_REVIEW_DAY + timedelta(days=4 * n),
            notes=EXCLUDED_NOTES.format(reason=numbers[case.number][11]),
            is_gang=bool(organisers),
            organiser="、".join(organisers),
        )
    return job.cases_created
