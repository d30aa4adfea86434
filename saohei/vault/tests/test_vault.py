"""Sealing a reporter's identity, and the one read that opens it."""

import pytest

from saohei.common.crypto import DecryptionError, decrypt_text
from saohei.vault.models import ReporterIdentity
from saohei.vault.queries import open_reporter_identity
from saohei.vault.services import store_reporter_identity

pytestmark = pytest.mark.django_db


def test_identity_is_sealed_and_opens_to_what_was_given() -> None:
    identity = store_reporter_identity(name="王某某", phone="13900001111", address="港西村")
    stored = ReporterIdentity.objects.get(pk=identity.pk)
    assert not stored.is_anonymous
    assert stored.reference.startswith("R")
    assert "王某某" not in stored.sealed_identity
    assert "13900001111" not in stored.sealed_identity
    details = open_reporter_identity(stored.reference)
    assert details is not None
    assert (details.name, details.phone, details.id_number, details.address) == (
        "王某某",
        "13900001111",
        "",
        "港西村",
    )


def test_nothing_given_is_anonymous() -> None:
    assert store_reporter_identity().is_anonymous
    assert store_reporter_identity(name="  ").is_anonymous


def test_unknown_reference_opens_nothing() -> None:
    assert open_reporter_identity("RNOSUCHREF") is None


def test_the_ciphertext_is_bound_to_the_identity_field() -> None:
    identity = store_reporter_identity(name="王某某")
    with pytest.raises(DecryptionError):
        decrypt_text(identity.key_id, identity.sealed_identity, associated_data=b"phone")
