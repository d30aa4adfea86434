"""Do the configured keys fit the data? Checked before a server or worker starts (decision 0046).

Development and tests generate missing keys into the var directory (`config/settings.py`), so a
database restored or copied without its keys met freshly generated ones: `verify_audit` then
reported tampering at record 1 and a reveal answered 500. Starting against data that the keys
do not fit is refused instead, naming the key ids the data needs (never key material or a value).

The check reads a few rows by primary key, whatever the size of the database: the oldest and
the newest value of every sealed field (the data keys, and the blind index beside an ID number
or mobile: the index key), and the first and last audit events (the audit key).
"""

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import DatabaseError, connections

from saohei.audit.chain import GENESIS_HASH, link_hash
from saohei.audit.models import AuditEvent
from saohei.common.crypto import DecryptionError, constant_time_equal, decrypt_text
from saohei.common.pii import blind_index
from saohei.common.sealing import SEALED_FIELDS, SealedField

logger = logging.getLogger("saohei.custody.keys")


def _ends(rows: Any) -> list[Any]:
    """The first and the last row by primary key (one row when there is one)."""
    first, last = rows.order_by("pk").first(), rows.order_by("-pk").first()
    return list({first.pk: first, last.pk: last}.values()) if first else []


def _index_field(field: SealedField) -> str | None:
    name = f"{field.associated_data.decode()}_index"
    try:
        field.model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return name


def _sealed_field_problems(field: SealedField) -> list[str]:
    index_field = _index_field(field)
    columns = [
        "pk",
        field.key_field,
        field.ciphertext_field,
        *([index_field] if index_field else []),
    ]
    stored = field.model._default_manager.exclude(**{field.ciphertext_field: ""}).only(*columns)
    problems = []
    for row in _ends(stored):
        key_id = getattr(row, field.key_field)
        if key_id not in settings.SAOHEI_DATA_KEYS:
            problems.append(f"缺少数据密钥 {key_id}（{field.label} 的密文用它加密）")
            continue
        try:
            clear = decrypt_text(
                key_id, getattr(row, field.ciphertext_field), associated_data=field.associated_data
            )
        except DecryptionError:
            problems.append(f"数据密钥 {key_id} 与数据库中的密文不符（{field.label}）")
            continue
        stored_index = getattr(row, index_field) if index_field else ""
        if stored_index and not constant_time_equal(
            stored_index, blind_index(field.associated_data.decode(), clear)
        ):
            problems.append(f"索引密钥与数据库中的检索索引不符（{field.label}）")
    return problems


def _audit_problems() -> list[str]:
    for event in _ends(AuditEvent.objects.all()):
        previous = GENESIS_HASH if event.sequence == 1 else event.previous_hash
        if not constant_time_equal(event.chain_hash, link_hash(previous, event)):
            return [f"审计密钥与数据库中的审计日志不符（第 {event.sequence} 条记录）"]
    return []


def key_mismatches() -> list[str]:
    """Each way the configured keys do not fit the stored data, in Chinese; empty when they do."""
    problems: list[str] = []
    for field in SEALED_FIELDS:
        problems.extend(
            problem for problem in _sealed_field_problems(field) if problem not in problems
        )
    return problems + _audit_problems()


def refuse_mismatched_keys() -> None:
    """Raise ImproperlyConfigured, naming what is wrong, when the keys do not fit the data."""
    problems = key_mismatches()
    if problems:
        raise ImproperlyConfigured(
            "密钥与数据库中的数据不符，拒绝启动：" + "；".join(problems) + "。"
            "请配置与这份数据一起使用的数据密钥、索引密钥和审计密钥"
            "（环境变量 SAOHEI_DATA_KEY、SAOHEI_INDEX_KEY、SAOHEI_AUDIT_KEY，或 var 目录中的密钥文件），"
            "切勿在已有数据旁生成新密钥。"
        )


def refuse_mismatched_keys_at_start() -> None:
    """`refuse_mismatched_keys` for a starting server or worker. A database that cannot be read
    yet (not migrated, or not reachable) holds nothing to compare: the process starts, so that a
    database outage at boot does not keep the site down once the database is back."""
    try:
        refuse_mismatched_keys()
    except DatabaseError as error:
        logger.warning("启动时无法读取数据库，未核对密钥（%s）", type(error).__name__)
    finally:
        connections.close_all()
