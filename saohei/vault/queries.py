"""The one read that opens a sealed identity. Its callers are the custodian's audited reveal
(`saohei.custody.services.reveal_reporter_identity`) and `screening`, which only compares;
nothing else may decrypt an identity."""

import json
from dataclasses import dataclass

from saohei.common.crypto import decrypt_text
from saohei.vault.models import ReporterIdentity
from saohei.vault.services import IDENTITY_ASSOCIATED_DATA


@dataclass(frozen=True)
class ReporterDetails:
    name: str
    phone: str
    id_number: str
    address: str

    def values(self) -> list[str]:
        return [self.name, self.phone, self.id_number, self.address]


def open_reporter_identity(reference: str) -> ReporterDetails | None:
    """Decrypt the identity stored under `reference`; None when there is none."""
    identity = ReporterIdentity.objects.filter(reference=reference).first()
    if identity is None:
        return None
    fields = json.loads(
        decrypt_text(
            identity.key_id, identity.sealed_identity, associated_data=IDENTITY_ASSOCIATED_DATA
        )
    )
    return ReporterDetails(
        name=fields.get("name", ""),
        phone=fields.get("phone", ""),
        id_number=fields.get("id_number", ""),
        address=fields.get("address", ""),
    )
