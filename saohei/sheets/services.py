"""Staging an uploaded sheet and remembering a sender's column and value mappings."""

from collections.abc import Callable, Mapping
from typing import IO

from django.db import transaction

from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.roles import Role
from saohei.common.validation import checked_text
from saohei.organisations.access import grant_paths, unit_in_paths
from saohei.organisations.models import Unit, UnitKind, User
from saohei.sheets.checking import value_key
from saohei.sheets.headers import IGNORED
from saohei.sheets.kinds import MAPPED_KINDS, FieldKind, ImportKind
from saohei.sheets.models import SenderMapping, StagedSheet
from saohei.sheets.reading import read_grid, sha256_of
from saohei.sheets.registry import RegisteredKind, registered_kind


def may_import(user: User, unit: Unit, roles: frozenset[Role]) -> bool:
    return user.is_authenticated and unit_in_paths(unit, grant_paths(user, roles))


@transaction.atomic
def stage_sheet(
    *,
    actor: User,
    unit: Unit,
    kind: ImportKind,
    roles: frozenset[Role],
    sender: str,
    file: IO[bytes],
    file_name: str,
    max_rows: int,
    options: Mapping[str, str] | None = None,
) -> StagedSheet:
    """Read an upload (checked as hostile first) into a staged sheet of `unit`; only holders of
    `roles` on the town may."""
    if unit.kind != UnitKind.TOWN or not may_import(actor, unit, roles):
        raise ActionNotAllowed("您不能为该镇导入表格")
    sender = checked_text(sender, label="来文单位", limit=100, field="sender", required=True)
    grid = read_grid(file, name=file_name, max_rows=max_rows)
    staged = StagedSheet.objects.create(
        unit=unit,
        kind=kind.key,
        sender=sender,
        file_name=file_name[:200],
        sha256=sha256_of(file),
        rows=grid.rows,
        merges=[list(merge) for merge in grid.merges],
        options=dict(options or {}),
        created_by=actor,
    )
    record_event(
        action=AuditAction.SHEET_STAGED,
        actor=actor,
        unit=unit,
        target=staged,
        details={"kind": kind.key, "rows": len(grid.rows), "sha256": staged.sha256},
    )
    return staged


def saved_mapping(*, unit: Unit, kind: ImportKind, sender: str) -> SenderMapping | None:
    return SenderMapping.objects.filter(unit=unit, kind=kind.key, sender=sender).first()


@transaction.atomic
def save_mapping(
    *,
    actor: User,
    staged: StagedSheet,
    kind: ImportKind,
    roles: frozenset[Role],
    columns: Mapping[str, str],
    values: Mapping[str, Mapping[str, str]],
) -> SenderMapping:
    """Remember this sender's column mapping (replacing it) and add to its value mapping: the
    next sheet from the same sender is read the same way."""
    if not may_import(actor, staged.unit, roles):
        raise ActionNotAllowed("您不能为该镇导入表格")
    fields = {target.key: target for target in kind.fields}
    chosen = [key for key in columns.values() if key != IGNORED]
    if any(key not in fields for key in chosen):
        raise ServiceError("列对照中有无法识别的字段")
    if len(chosen) != len(set(chosen)):
        duplicated = next(key for key in chosen if chosen.count(key) > 1)
        raise ServiceError(f"“{fields[duplicated].label}”只能对应一列")
    mapping, _ = SenderMapping.objects.select_for_update().get_or_create(
        unit=staged.unit, kind=kind.key, sender=staged.sender, defaults={"updated_by": actor}
    )
    merged = {key: dict(words) for key, words in (mapping.values or {}).items()}
    for key, words in values.items():
        if key not in fields or fields[key].kind not in MAPPED_KINDS:
            raise ServiceError("取值对照中有无法识别的字段")
        merged.setdefault(key, {}).update({word: value for word, value in words.items() if value})
    mapping.columns = {**(mapping.columns or {}), **dict(columns)}
    mapping.values = merged
    mapping.updated_by = actor
    mapping.save()
    record_event(
        action=AuditAction.SHEET_MAPPING_SAVED,
        actor=actor,
        unit=staged.unit,
        target=mapping,
        details={
            "kind": kind.key,
            "columns": len(columns),
            "values": sum(len(words) for words in values.values()),
        },
    )
    return mapping


def allowed_values(unit: Unit, kind: ImportKind, key: str) -> dict[str, str]:
    """What a sender's word in field `key` may be mapped to (value → label): the field's
    choices, or the ids of the town's active villages (as text, how the mapping keeps them)."""
    target = kind.field(key)
    if target.kind == FieldKind.VILLAGE:
        villages = (
            Unit.objects.filter(parent=unit).villages().active().order_by("sort_order", "name")
        )
        return {str(pk): name for pk, name in villages.values_list("pk", "name")}
    return {str(value): str(label) for value, label in target.choices}


@transaction.atomic
def save_value_mapping(
    *,
    actor: User,
    unit: Unit,
    kind: ImportKind,
    sender: str,
    values: Mapping[str, Mapping[str, str]],
    may_import: Callable[[User, Unit], bool],
) -> SenderMapping:
    """Add to a sender's value mapping in a town (field → the sender's word → our value), each
    value checked against what the field allows; the column mapping is left as it is. For an
    import that reads its own columns (the police case sheet), whose context says who may
    (`may_import`)."""
    if unit.kind != UnitKind.TOWN or not may_import(actor, unit):
        raise ActionNotAllowed("您不能为该镇导入表格")
    sender = checked_text(sender, label="来文单位", limit=100, field="sender")
    declared = {target.key for target in kind.fields if target.kind in MAPPED_KINDS}
    cleaned: dict[str, dict[str, str]] = {}
    for key, words in values.items():
        if key not in declared:
            raise ServiceError("取值对照中有无法识别的字段")
        allowed = allowed_values(unit, kind, key)
        label = kind.field(key).label
        for word, value in words.items():
            if not value:
                continue
            if value not in allowed:
                raise ServiceError(f"“{word[:30]}”的对应值不是{label}的可选值，请从列表中选择")
            folded = value_key(word)
            if not folded or len(folded) > 100:
                raise ServiceError("取值对照中有无法识别的取值")
            cleaned.setdefault(key, {})[folded] = value
    if not cleaned:
        raise ServiceError("请至少为一个取值选择对应的值")
    mapping, _ = SenderMapping.objects.select_for_update().get_or_create(
        unit=unit, kind=kind.key, sender=sender, defaults={"updated_by": actor}
    )
    merged = {key: dict(words) for key, words in (mapping.values or {}).items()}
    for key, words in cleaned.items():
        merged.setdefault(key, {}).update(words)
    mapping.values = merged
    mapping.updated_by = actor
    mapping.save()
    record_event(
        action=AuditAction.SHEET_MAPPING_SAVED,
        actor=actor,
        unit=unit,
        target=mapping,
        details={"kind": kind.key, "values": sum(len(words) for words in cleaned.values())},
    )
    return mapping


# A column mapping's entry forgotten (`correct_columns`): the column is guessed again from its
# title, unlike IGNORED, which leaves it out of every import.
FORGET = None


def _refuse_unless_manages(actor: User, kind_key: str, unit_id: int) -> RegisteredKind:
    """Refused unless the actor may import `kind_key` for the town (the context's own rule,
    `registry`): who imports a kind keeps its mappings."""
    registered = registered_kind(kind_key)
    if registered is None or not registered.import_towns(actor).filter(pk=unit_id).exists():
        raise ActionNotAllowed("您不能管理该镇的来文表格对照")
    return registered


def _managed(actor: User, mapping: SenderMapping) -> tuple[SenderMapping, ImportKind]:
    """The mapping locked for a change, and its kind."""
    registered = _refuse_unless_manages(actor, mapping.kind, mapping.unit_id)
    locked = SenderMapping.objects.select_for_update().filter(pk=mapping.pk).first()
    if locked is None:
        raise ServiceError("该对照已被删除，请刷新页面")
    return locked, registered.kind


def _save_corrected(
    actor: User, mapping: SenderMapping, *, changed: str, details: dict[str, object]
) -> SenderMapping:
    """Save the corrected `changed` ("columns" or "values") and audit it, counts only."""
    mapping.updated_by = actor
    mapping.save(update_fields=[changed, "updated_by", "updated_at"])
    record_event(
        action=AuditAction.SHEET_MAPPING_CORRECTED,
        actor=actor,
        unit=mapping.unit,
        target=mapping,
        details=details,
    )
    return mapping


def _checked_columns(columns: Mapping[str, str], kind: ImportKind) -> None:
    fields = {target.key: target for target in kind.fields}
    chosen = [key for key in columns.values() if key != IGNORED]
    if any(key not in fields for key in chosen):
        raise ServiceError("列对照中有无法识别的字段")
    for key in chosen:
        if chosen.count(key) > 1:
            raise ServiceError(f"“{fields[key].label}”只能对应一列", field="columns")


@transaction.atomic
def correct_columns(
    *, actor: User, mapping: SenderMapping, columns: Mapping[str, str | None]
) -> SenderMapping:
    """Change which field a sender's column is (IGNORED: left out; FORGET: guessed again from
    its title); each field to at most one column."""
    mapping, kind = _managed(actor, mapping)
    merged = dict(mapping.columns or {})
    for title, key in columns.items():
        if title not in merged:
            raise ServiceError("该列不在已保存的对照中，请刷新页面")
        if key is FORGET:
            del merged[title]
        else:
            merged[title] = key
    _checked_columns(merged, kind)
    mapping.columns = merged
    return _save_corrected(
        actor, mapping, changed="columns", details={"kind": kind.key, "columns": len(columns)}
    )


@transaction.atomic
def add_column(
    *, actor: User, unit: Unit, kind: ImportKind, sender: str, title: str, field_key: str
) -> SenderMapping:
    """Name the column a sender calls `title` as field `field_key`, for this town's sheets of
    `kind` from that sender: a police export that says 案件号 for 案件编号 is read from then on."""
    if unit.kind != UnitKind.TOWN:
        raise ActionNotAllowed("您不能管理该镇的来文表格对照")
    registered = _refuse_unless_manages(actor, kind.key, unit.pk)
    if not registered.has_columns:
        raise ServiceError("该类导入不按列名对照", field="field")
    sender = checked_text(sender, label="来文单位", limit=100, field="sender", required=True)
    title = checked_text(title, label="来文列名", limit=100, field="title", required=True)
    if field_key not in {target.key for target in kind.fields}:
        raise ServiceError("请从列表中选择对应的字段", field="field")
    mapping, _ = SenderMapping.objects.select_for_update().get_or_create(
        unit=unit, kind=kind.key, sender=sender, defaults={"updated_by": actor}
    )
    merged = {known: key for known, key in (mapping.columns or {}).items() if key != field_key}
    merged[title] = field_key
    _checked_columns(merged, kind)
    mapping.columns = merged
    return _save_corrected(
        actor, mapping, changed="columns", details={"kind": kind.key, "columns": 1}
    )


@transaction.atomic
def correct_values(
    *, actor: User, mapping: SenderMapping, values: Mapping[str, Mapping[str, str]]
) -> SenderMapping:
    """Change what a sender's saved words mean (field → folded word → value, each checked
    against what the field allows now); an empty value forgets the word, so the next import
    offers it again."""
    mapping, kind = _managed(actor, mapping)
    merged = {key: dict(words) for key, words in (mapping.values or {}).items()}
    declared = {target.key for target in kind.fields if target.kind in MAPPED_KINDS}
    changed = 0
    for key, words in values.items():
        if key not in merged or key not in declared:
            raise ServiceError("取值对照中有无法识别的字段，请刷新页面")
        allowed = allowed_values(mapping.unit, kind, key)
        label = kind.field(key).label
        for word, value in words.items():
            if word not in merged[key]:
                raise ServiceError("该写法不在已保存的对照中，请刷新页面")
            if not value:
                del merged[key][word]
            elif value not in allowed:
                raise ServiceError(f"“{word[:30]}”的对应值不是{label}的可选值，请从列表中选择")
            else:
                merged[key][word] = value
            changed += 1
    mapping.values = {key: words for key, words in merged.items() if words}
    return _save_corrected(
        actor, mapping, changed="values", details={"kind": kind.key, "values": changed}
    )


@transaction.atomic
def delete_mapping(*, actor: User, mapping: SenderMapping) -> None:
    """Forget everything saved for a sender and kind: its next sheet is guessed and its words
    offered again, as for a new sender."""
    mapping, kind = _managed(actor, mapping)
    record_event(
        action=AuditAction.SHEET_MAPPING_DELETED,
        actor=actor,
        unit=mapping.unit,
        target=mapping,
        details={
            "kind": kind.key,
            "columns": len(mapping.columns or {}),
            "values": sum(len(words) for words in (mapping.values or {}).values()),
        },
    )
    mapping.delete()
