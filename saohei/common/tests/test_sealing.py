"""The sealed-field registry, the batch re-encryption and the key file it rotates."""

import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import models

from saohei.common import sealing
from saohei.common.crypto import decrypt_text
from saohei.common.keyfiles import (
    KeyFileBusy,
    add_current_data_key,
    key_file_lock,
    next_data_key_id,
    read_or_create_data_keys,
)
from saohei.vault.models import ReporterIdentity
from saohei.vault.services import IDENTITY_ASSOCIATED_DATA, store_reporter_identity


def test_every_sealed_field_of_every_model_is_registered() -> None:
    registered = {(field.model, field.ciphertext_field) for field in sealing.SEALED_FIELDS}
    found = {
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.TextField)
        and (field.name.startswith("sealed_") or field.name.endswith("_sealed"))
    }
    assert found
    assert found <= registered, f"register these in their app's ready(): {found - registered}"


def test_each_registered_field_names_real_columns() -> None:
    for field in sealing.SEALED_FIELDS:
        field.model._meta.get_field(field.key_field)
        field.model._meta.get_field(field.ciphertext_field)


def test_next_key_id_counts_up_from_the_highest() -> None:
    assert next_data_key_id([]) == "k1"
    assert next_data_key_id(["k1"]) == "k2"
    assert next_data_key_id(["k2", "k10", "legacy"]) == "k11"


def test_adding_a_key_keeps_the_old_ones_and_makes_the_new_one_current(tmp_path: Path) -> None:
    path = tmp_path / "data_keys.json"
    first = read_or_create_data_keys(path)

    key_id = add_current_data_key(path)

    payload = json.loads(path.read_text())
    assert key_id == "k2"
    assert payload["current"] == "k2"
    assert bytes.fromhex(payload["keys"]["k1"]) == first["k1"]
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data_keys.json"]


def test_a_running_process_learns_a_key_added_by_another(tmp_path: Path) -> None:
    path = tmp_path / "data_keys.json"
    running = read_or_create_data_keys(path)
    add_current_data_key(path)
    assert "k2" not in running
    assert running.get("k2") is not None
    assert next(iter(running)) == "k1"
    running.reload()
    assert next(iter(running)) == "k2"


def test_the_key_file_lock_is_exclusive(tmp_path: Path) -> None:
    path = tmp_path / "data_keys.json"
    read_or_create_data_keys(path)
    with key_file_lock(path), pytest.raises(KeyFileBusy), key_file_lock(path):
        pass


@pytest.mark.django_db
def test_reencrypt_batch_moves_values_to_the_current_key(tmp_path: Path, settings: Any) -> None:
    path = tmp_path / "data_keys.json"
    settings.SAOHEI_DATA_KEYS = read_or_create_data_keys(path)
    for number in range(5):
        store_reporter_identity(name=f"举报人{number}")
    field = next(f for f in sealing.SEALED_FIELDS if f.model is ReporterIdentity)
    add_current_data_key(path)
    settings.SAOHEI_DATA_KEYS.reload()

    assert sealing.count_pending()[field.label] == 5
    assert sealing.reencrypt_batch(field, batch_size=3) == 3
    assert sealing.count_pending()[field.label] == 2
    assert sealing.reencrypt_batch(field, batch_size=3) == 2
    assert sealing.reencrypt_batch(field, batch_size=3) == 0

    names = sorted(
        json.loads(
            decrypt_text(
                identity.key_id, identity.sealed_identity, associated_data=IDENTITY_ASSOCIATED_DATA
            )
        )["name"]
        for identity in ReporterIdentity.objects.all()
    )
    assert names == [f"举报人{number}" for number in range(5)]
    assert set(ReporterIdentity.objects.values_list("key_id", flat=True)) == {"k2"}
