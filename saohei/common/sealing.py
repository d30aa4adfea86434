"""The registry of sealed (SM4-GCM) values, and their re-encryption under the current data key.

Every app that stores ciphertext registers its fields here from its `AppConfig.ready()`, so
`rotate_data_key` can find them all; a test fails when a model has a `sealed_*` or `*_sealed`
field that nobody registered. Each sealed value sits next to the id of the key it was sealed
under, so old and new values stay readable while a rotation runs.
"""

from dataclasses import dataclass
from typing import Any

from django.db import models, transaction

from saohei.common.crypto import DecryptionError, current_data_key_id, decrypt_text, encrypt_text

DEFAULT_BATCH_SIZE = 500


@dataclass(frozen=True)
class SealedField:
    model: type[models.Model]
    key_field: str
    ciphertext_field: str
    # Bound into the ciphertext (e.g. b"id_number"), so a value cannot be moved to another field.
    associated_data: bytes

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.ciphertext_field}"

    def pending(self) -> "models.QuerySet[Any]":
        """Rows holding a value sealed under any key but the current one."""
        return self.model._default_manager.exclude(**{self.ciphertext_field: ""}).exclude(
            **{self.key_field: current_data_key_id()}
        )


SEALED_FIELDS: list[SealedField] = []


def register_sealed_field(field: SealedField) -> None:
    if field not in SEALED_FIELDS:
        SEALED_FIELDS.append(field)


def count_sealed() -> dict[str, int]:
    """Per registered field, how many values are stored (under any key)."""
    return {
        field.label: field.model._default_manager.exclude(**{field.ciphertext_field: ""}).count()
        for field in SEALED_FIELDS
    }


def count_pending() -> dict[str, int]:
    """Per registered field, how many values are not yet under the current key."""
    return {field.label: field.pending().count() for field in SEALED_FIELDS}


def reencrypt_batch(field: SealedField, *, batch_size: int = DEFAULT_BATCH_SIZE) -> int:
    """Re-seal up to `batch_size` values under the current key in one transaction; 0 means done.

    1. Lock the next rows not under the current key (PostgreSQL row locks; SQLite's IMMEDIATE
       transaction holds the write lock), so no concurrent writer changes them in between.
    2. Decrypt each with the key id it carries and encrypt it under the current key.
    3. Write key id and ciphertext together, so a row is never half-rotated.
    """
    with transaction.atomic():
        rows = list(
            field.pending()
            .select_for_update()
            .order_by("pk")
            .only("pk", field.key_field, field.ciphertext_field)[:batch_size]
        )
        for row in rows:
            key_id = getattr(row, field.key_field)
            try:
                plaintext = decrypt_text(
                    key_id,
                    getattr(row, field.ciphertext_field),
                    associated_data=field.associated_data,
                )
            except DecryptionError as error:
                # Name the row and key id only; a value is never printed.
                raise DecryptionError(
                    f"{field.label} 第 {row.pk} 行无法解密（密钥编号 {key_id}）：{error}"
                ) from error
            new_key_id, ciphertext = encrypt_text(plaintext, associated_data=field.associated_data)
            setattr(row, field.key_field, new_key_id)
            setattr(row, field.ciphertext_field, ciphertext)
        if rows:
            field.model._default_manager.bulk_update(
                rows, [field.key_field, field.ciphertext_field]
            )
    return len(rows)
