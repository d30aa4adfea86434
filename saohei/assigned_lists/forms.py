from typing import Any

from django import forms

from saohei.common.forms import StyledForm
from saohei.organisations.models import Unit
from saohei.sheets.checking import UnknownValue, value_key
from saohei.sheets.headers import IGNORED
from saohei.sheets.kinds import FieldKind

from .kinds import ASSIGNED_LIST, LIST_SOURCES
from .services import max_list_rows


class UploadForm(StyledForm):
    unit = forms.ModelChoiceField(label="导入到", queryset=Unit.objects.none(), empty_label=None)
    sender = forms.CharField(
        label="交办单位",
        max_length=100,
        help_text="如“市扫黑办”“12337平台”；同一单位的列对照和取值对照会被记住，下次自动套用",
    )
    source = forms.ChoiceField(
        label="默认来源",
        choices=[(str(source.value), str(source.label)) for source in LIST_SOURCES],
        help_text="清单中没有“来源”列时，每行都按此来源登记",
    )
    file = forms.FileField(
        label="交办清单",
    )

    def __init__(self, *args: Any, towns: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The site's own cap, which depends on its database.
        self.fields["file"].help_text = (
            "Excel 工作簿（.xlsx，读第一张工作表）或 CSV（UTF-8 或 GBK），"
            f"每次最多 {max_list_rows()} 行"
        )
        self.set_queryset("unit", towns)


# A column left out is sent as a word of its own: every select must be answered, so a post
# without them (not from the page) saves nothing.
LEFT_OUT = "ignore"
FIELD_CHOICES = [(LEFT_OUT, "（不导入）"), *((f.key, f.label) for f in ASSIGNED_LIST.fields)]


class MappingForm(StyledForm):
    """One select per column of the sheet (which field it is) and one per unknown word of a
    choice or a village (what it means); field names are positions, never the sender's text."""

    def __init__(
        self,
        *args: Any,
        titles: list[str],
        columns: dict[str, str],
        unknown: list[UnknownValue],
        villages: dict[int, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.titles = [title for title in titles if title in columns]
        self.unknown = unknown
        for position, title in enumerate(self.titles):
            self.add_field(
                f"column_{position}",
                forms.ChoiceField(
                    label=title,
                    choices=FIELD_CHOICES,
                    initial=columns[title] or LEFT_OUT,
                    error_messages={
                        "required": "请为该列选择对应的字段（或“不导入”）",
                        "invalid_choice": "请从列表中选择该列对应的字段",
                    },
                ),
            )
        for position, word in enumerate(unknown):
            target = ASSIGNED_LIST.field(word.field)
            if target.kind == FieldKind.VILLAGE:
                options = [
                    (str(pk), name)
                    for pk, name in sorted(villages.items(), key=lambda item: item[1])
                ]
            else:
                options = list(target.choices)
            self.add_field(
                f"value_{position}",
                forms.ChoiceField(
                    label=f"{target.label}：{word.word}",
                    choices=[("", "（暂不对照）"), *options],
                    required=False,
                    error_messages={"invalid_choice": "请从列表中选择对应的值"},
                ),
            )

    def column_mapping(self) -> dict[str, str]:
        chosen = {
            title: self.cleaned_data[f"column_{position}"]
            for position, title in enumerate(self.titles)
        }
        return {title: IGNORED if key == LEFT_OUT else key for title, key in chosen.items()}

    def value_mapping(self) -> dict[str, dict[str, str]]:
        mapping: dict[str, dict[str, str]] = {}
        for position, word in enumerate(self.unknown):
            chosen = self.cleaned_data.get(f"value_{position}")
            if chosen:
                mapping.setdefault(word.field, {})[value_key(word.word)] = chosen
        return mapping

    def column_fields(self) -> list[Any]:
        return [self[f"column_{position}"] for position in range(len(self.titles))]

    def value_fields(self) -> list[Any]:
        return [self[f"value_{position}"] for position in range(len(self.unknown))]
