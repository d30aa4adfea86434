"""Reading sheets as offices write them, finding the header and guessing the columns."""

import io
from datetime import datetime

import pytest
from openpyxl import Workbook

from saohei.common.errors import ServiceError
from saohei.sheets.checking import Villages, check_cell, parse_date
from saohei.sheets.headers import ERROR_COLUMN, columns_for, find_header, guess_columns
from saohei.sheets.kinds import FieldKind, ImportKind, TargetField
from saohei.sheets.reading import Grid, read_grid

KIND = ImportKind(
    key="test",
    label="测试",
    fields=(
        TargetField("number", "编号", ("交办编号",), required=True),
        TargetField("name", "被反映人", ("被反映人姓名", "姓名")),
        TargetField("id_number", "身份证号", ("被反映人身份证号",)),
        TargetField("village", "所属村", kind=FieldKind.VILLAGE),
        TargetField(
            "source",
            "来源",
            kind=FieldKind.CHOICE,
            choices=(("upper", "上级交办"), ("p12337", "12337平台下发")),
        ),
        TargetField("day", "交办日期", kind=FieldKind.DATE),
    ),
)
ROWS = [["交办编号", "被反映人", "所属村"], ["A-1", "张三", "东村"]]


def _csv(rows: list[list[str]], encoding: str) -> io.BytesIO:
    text = "\r\n".join(",".join(row) for row in rows) + "\r\n"
    return io.BytesIO(text.encode(encoding))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_utf8_with_or_without_bom_and_gbk_reads_the_same(encoding):
    grid = read_grid(_csv(ROWS, encoding), name="清单.csv", max_rows=100)
    assert grid.rows == ROWS


def test_a_csv_in_neither_encoding_is_refused():
    with pytest.raises(ServiceError, match="无法识别的字符"):
        read_grid(io.BytesIO(b"\xff\xfe\xfa,\x81\r\n"), name="x.csv", max_rows=100)


def test_too_many_rows_are_refused():
    with pytest.raises(ServiceError, match="超过 1 行"):
        read_grid(_csv(ROWS, "utf-8"), name="x.csv", max_rows=1)


def _workbook() -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["港西镇交办线索清单"])
    sheet.merge_cells("A1:D1")
    sheet.append(["交办编号", "被反映人", None, "交办日期"])
    sheet.append([None, "姓名", "身份证号", None])
    sheet.merge_cells("B2:C2")
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("D2:D3")
    sheet.append(["A-1", "张三", "110105194912310021", datetime(2026, 3, 5)])
    sheet.append([20260001.0, "李四", None, 46086])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def test_xlsx_cells_are_text_and_merged_ranges_are_read():
    grid = read_grid(_workbook(), name="清单.xlsx", max_rows=100)
    assert grid.rows[3] == ["A-1", "张三", "110105194912310021", "2026-03-05"]
    assert grid.rows[4][0] == "20260001"
    assert (1, 1, 1, 4) in grid.merges
    assert (2, 2, 2, 3) in grid.merges
    assert grid.filled()[0] == ["港西镇交办线索清单"] * 4


def test_the_header_is_found_under_a_title_and_a_merged_parent_joins_its_children():
    header = find_header(read_grid(_workbook(), name="清单.xlsx", max_rows=100), KIND)
    assert header is not None
    assert (header.row, header.depth, header.first_data_row) == (2, 2, 4)
    assert header.titles == ["交办编号", "被反映人姓名", "被反映人身份证号", "交办日期"]
    assert guess_columns(header.titles, KIND) == {
        "交办编号": "number",
        "被反映人姓名": "name",
        "被反映人身份证号": "id_number",
        "交办日期": "day",
    }


def test_stamp_and_title_rows_are_skipped_and_the_error_column_is_never_mapped():
    grid = Grid(
        rows=[
            ["导出人：李晓静 导出时间：2026-03-05 10:00"],
            ["未通过的行（筛选：原文件 清单.xlsx）"],
            ["编号", "姓名", "姓名", ERROR_COLUMN],
            ["A-1", "张三", "李四", "所属村不对"],
        ]
    )
    header = find_header(grid, KIND)
    assert header is not None and header.row == 3
    assert header.titles == ["编号", "姓名", "姓名（2）", ERROR_COLUMN]
    columns = guess_columns(header.titles, KIND)
    assert ERROR_COLUMN not in columns
    assert columns == {"编号": "number", "姓名": "name", "姓名（2）": ""}


def test_no_header_among_the_top_rows_is_none():
    assert find_header(Grid(rows=[["甲", "乙"], ["1", "2"]]), KIND) is None


def test_a_saved_mapping_wins_and_its_fields_are_not_guessed_again():
    titles = ["交办编号", "姓名", "备注"]
    saved = {"备注": "name", "姓名": ""}
    assert columns_for(titles, KIND, saved) == {"交办编号": "number", "姓名": "", "备注": "name"}
    # A saved field key no longer declared is ignored.
    assert columns_for(titles, KIND, {"备注": "gone"})["备注"] == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-05", "2026-03-05"),
        ("2026/3/5", "2026-03-05"),
        ("2026年3月5日", "2026-03-05"),
        ("20260305", "2026-03-05"),
        ("46086", "2026-03-05"),
        ("2026-02-30", None),
        ("明天", None),
    ],
)
def test_dates_as_senders_write_them(text, expected):
    parsed = parse_date(text)
    assert (f"{parsed:%Y-%m-%d}" if parsed else None) == expected


VILLAGES = Villages(town_name="港西镇", by_name={"东村": 7}, names={7: "东村", 8: "西村"})


@pytest.mark.parametrize("word", ["东村", "港西镇东村", "东村村委会", "东村村民委员会"])
def test_villages_as_senders_write_them(word):
    assert check_cell(KIND.field("village"), word, values={}, villages=VILLAGES) == (7, None, None)


def test_an_unknown_word_is_a_problem_until_the_value_mapping_names_it():
    source = KIND.field("source")
    value, problem, word = check_cell(source, "市扫黑办交办", values={}, villages=VILLAGES)
    assert value is None and word == "市扫黑办交办" and "无法识别" in (problem or "")
    mapped = {"source": {"市扫黑办交办": "upper"}}
    assert check_cell(source, "市扫黑办交办", values=mapped, villages=VILLAGES)[0] == "upper"
    assert check_cell(source, "12337平台下发", values={}, villages=VILLAGES)[0] == "p12337"
    village = KIND.field("village")
    assert check_cell(village, "西屯", values={"village": {"西屯": "8"}}, villages=VILLAGES)[0] == 8
    # A remembered village that is not the town's is refused, not trusted.
    assert check_cell(village, "西屯", values={"village": {"西屯": "99"}}, villages=VILLAGES)[1]


def test_a_decompression_bomb_workbook_is_refused_before_it_is_parsed():
    from saohei.testing.officebombs import styled_cells_bomb

    bomb = styled_cells_bomb(cells=5_000_000)
    assert len(bomb) < 1_000_000
    with pytest.raises(ServiceError, match="压缩炸弹"):
        read_grid(io.BytesIO(bomb), name="交办清单.xlsx", max_rows=1000)
