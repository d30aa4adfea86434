"""The saved mappings' forms: field names are positions, never a sender's text."""

from typing import Any

from django import forms

from saohei.common.forms import StyledForm
from saohei.organisations.models import Unit
from saohei.sheets.headers import IGNORED
from saohei.sheets.kinds import ImportKind
from saohei.sheets.registry import RegisteredKind

LEFT_OUT = "ignore"
FORGOTTEN = "forget"
CHOOSE_FROM_LIST = {"invalid_choice": "请从列表中选择", "required": "请选择"}


class ColumnsForm(StyledForm):
    """One select per saved column title: which field it is, left out, or forgotten."""

    def __init__(self, *args: Any, columns: dict[str, str], kind: ImportKind, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.titles = sorted(columns)
        choices = [
            *((target.key, target.label) for target in kind.fields),
            (LEFT_OUT, "（不导入）"),
            (FORGOTTEN, "（删除此条，按列名猜测）"),
        ]
        for position, title in enumerate(self.titles):
            self.add_field(
                f"column_{position}",
                forms.ChoiceField(
                    label=title,
                    choices=choices,
                    initial=columns[title] or LEFT_OUT,
                    error_messages=CHOOSE_FROM_LIST,
                ),
            )

    def rows(self) -> list[tuple[str, Any]]:
        return [(title, self[f"column_{n}"]) for n, title in enumerate(self.titles)]

    def chosen(self) -> dict[str, str | None]:
        """Title → field key, IGNORED, or None (forgotten)."""
        chosen: dict[str, str | None] = {}
        for position, title in enumerate(self.titles):
            value = self.cleaned_data[f"column_{position}"]
            chosen[title] = None if value == FORGOTTEN else IGNORED if value == LEFT_OUT else value
        return chosen


class ValuesForm(StyledForm):
    """One select per saved word: what it means now, or forgotten (offered again next time)."""

    def __init__(
        self,
        *args: Any,
        values: dict[str, dict[str, str]],
        kind: ImportKind,
        options: dict[str, dict[str, str]],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.words = sorted(
            (key, word) for key, words in values.items() for word in words if key in options
        )
        self.labels = {target.key: target.label for target in kind.fields}
        for position, (key, word) in enumerate(self.words):
            current = values[key][word]
            choices = [("", "（删除此条，下次导入时再对照）"), *options[key].items()]
            if current not in options[key]:
                # A village since deactivated: shown as such until the clerk chooses anew.
                choices.append((current, "（已失效，请重新选择）"))
            self.add_field(
                f"value_{position}",
                forms.ChoiceField(
                    label=f"{self.labels.get(key, key)}：{word}",
                    choices=choices,
                    required=False,
                    initial=current,
                    error_messages=CHOOSE_FROM_LIST,
                ),
            )

    def rows(self) -> list[tuple[str, str, Any]]:
        return [
            (self.labels.get(key, key), word, self[f"value_{n}"])
            for n, (key, word) in enumerate(self.words)
        ]

    def chosen(self) -> dict[str, dict[str, str]]:
        chosen: dict[str, dict[str, str]] = {}
        for position, (key, word) in enumerate(self.words):
            chosen.setdefault(key, {})[word] = self.cleaned_data.get(f"value_{position}") or ""
        return chosen


class AddColumnForm(StyledForm):
    """A column a sender names its own way, for a town and a field of a kind: one select of
    every field of every kind the user may import, grouped by kind."""

    unit = forms.ModelChoiceField(label="镇", queryset=Unit.objects.none(), empty_label=None)
    sender = forms.CharField(
        label="来文单位", max_length=100, help_text="与导入时填写的来文单位（交办单位）完全一致"
    )
    title = forms.CharField(label="来文列名", max_length=100, help_text="如“案件号”“人员身份”")
    target = forms.ChoiceField(label="对应为", error_messages=CHOOSE_FROM_LIST)

    def __init__(self, *args: Any, towns: Any, kinds: list[RegisteredKind], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.set_queryset("unit", towns)
        self.kinds = {registered.kind.key: registered.kind for registered in kinds}
        self.fields["target"].choices = [  # type: ignore[attr-defined]
            (
                registered.kind.label,
                [
                    (f"{registered.kind.key}:{target.key}", target.label)
                    for target in registered.kind.fields
                ],
            )
            for registered in kinds
        ]

    def kind_and_field(self) -> tuple[ImportKind, str]:
        kind_key, _, field_key = self.cleaned_data["target"].partition(":")
        return self.kinds[kind_key], field_key
