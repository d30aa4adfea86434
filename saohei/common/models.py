"""Abstract field sets shared by contexts; no tables of their own."""

from collections.abc import Iterable
from typing import ClassVar

from django.db import models

from saohei.common.crypto import DecryptionError
from saohei.common.pii import (
    SealedValue,
    clean_id_number,
    clean_mobile,
    mask_id_number,
    mask_mobile,
    seal,
    suffix_index,
    unseal,
)
from saohei.common.sealing import SealedField

SEALED_KINDS = ("id_number", "phone")


class SealedIdentity(models.Model):
    """A person's ID number and mobile, sealed (SM4-GCM under a key id) with an HMAC-SM3 blind
    index for exact lookups and a masked copy for lists; the address in clear.

    Leads' subjects and police cases' persons hold the same set, so one class serves both and
    both register with `rotate_data_key` the same way (`sealed_fields`).
    """

    id_number_key = models.CharField(max_length=16, blank=True)
    id_number_sealed = models.TextField(blank=True)
    id_number_index = models.CharField(max_length=64, blank=True, db_index=True)
    # Keyed digest of the last four characters (`pii.suffix_index`): search by an ID's ending.
    id_number_suffix_index = models.CharField(max_length=64, blank=True, db_index=True)
    id_number_masked = models.CharField("身份证号", max_length=18, blank=True)
    phone_key = models.CharField(max_length=16, blank=True)
    phone_sealed = models.TextField(blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    phone_suffix_index = models.CharField(max_length=64, blank=True, db_index=True)
    phone_masked = models.CharField("手机号", max_length=11, blank=True)
    address = models.CharField("住址", max_length=200, blank=True)

    class Meta:
        abstract = True

    @classmethod
    def sealed_fields(cls) -> list[SealedField]:
        return [
            SealedField(
                model=cls,
                key_field=f"{kind}_key",
                ciphertext_field=f"{kind}_sealed",
                associated_data=kind.encode(),
            )
            for kind in SEALED_KINDS
        ]

    def set_id_number(self, sealed: SealedValue, *, masked: str) -> None:
        self.id_number_key = sealed.key_id
        self.id_number_sealed = sealed.ciphertext
        self.id_number_index = sealed.index
        self.id_number_suffix_index = sealed.suffix_index
        self.id_number_masked = masked

    def set_phone(self, sealed: SealedValue, *, masked: str) -> None:
        self.phone_key = sealed.key_id
        self.phone_sealed = sealed.ciphertext
        self.phone_index = sealed.index
        self.phone_suffix_index = sealed.suffix_index
        self.phone_masked = masked

    def seal_id_number(self, raw: str) -> None:
        """Validate (check digit, birth date), seal and mask; raises ValidationError."""
        number = clean_id_number(raw)
        self.set_id_number(seal("id_number", number), masked=mask_id_number(number))

    def seal_phone(self, raw: str) -> None:
        phone = clean_mobile(raw)
        self.set_phone(seal("phone", phone), masked=mask_mobile(phone))

    def unsealed_id_number(self) -> str:
        """The clear ID number, or "" — only for code paths the caller has authorised and audited."""
        if not self.id_number_sealed:
            return ""
        return unseal("id_number", self.id_number_key, self.id_number_sealed)

    def unsealed_phone(self) -> str:
        if not self.phone_sealed:
            return ""
        return unseal("phone", self.phone_key, self.phone_sealed)


def fill_suffix_indexes(model: type[models.Model], *, batch_size: int = 500) -> tuple[int, int]:
    """Fill the suffix indexes of a `SealedIdentity` model's rows sealed before they existed
    (migration and `fill_suffix_indexes`); returns (filled, unreadable). Works on a migration's
    historical model too: it reads and writes fields by name only."""
    filled = unreadable = 0
    for kind in SEALED_KINDS:
        suffix_field = f"{kind}_suffix_index"
        rows = (
            model._default_manager.exclude(**{f"{kind}_sealed": ""})
            .filter(**{suffix_field: ""})
            .only("pk", f"{kind}_key", f"{kind}_sealed")
            .order_by("pk")
        )
        last_pk = 0
        while batch := list(rows.filter(pk__gt=last_pk)[:batch_size]):
            last_pk = batch[-1].pk
            changed = []
            for row in batch:
                try:
                    value = unseal(
                        kind, getattr(row, f"{kind}_key"), getattr(row, f"{kind}_sealed")
                    )
                except DecryptionError:
                    # Left empty and counted: the command fills it once the key is configured.
                    unreadable += 1
                    continue
                setattr(row, suffix_field, suffix_index(kind, value))
                changed.append(row)
            model._default_manager.bulk_update(changed, [suffix_field])
            filled += len(changed)
    return filled, unreadable


class VehiclePlate(models.Model):
    """One plate of a person, in its normal form (`common.plates.clean_plate`), indexed: the
    person registry links people by plate. Not sealed (decision 0027)."""

    number = models.CharField("车牌号", max_length=8, db_index=True)
    # The name of the concrete model's foreign key to its person, for `store_plates`.
    owner_field: ClassVar[str]

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self) -> str:
        return self.number


def store_plates(
    model: type[VehiclePlate], plates_by_owner: Iterable[tuple[models.Model, Iterable[str]]]
) -> int:
    """Write one `model` row per person and plate (plates already clean, in normal form) in one
    bulk insert; returns how many. The calling service holds the transaction and the audit."""
    rows = [
        model(**{model.owner_field: owner, "number": number})
        for owner, numbers in plates_by_owner
        for number in numbers
    ]
    model._default_manager.bulk_create(rows)
    return len(rows)
