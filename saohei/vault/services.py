import json
import secrets

from django.db import transaction

from saohei.common.crypto import encrypt_text
from saohei.vault.models import ReporterIdentity

# Bound into every identity's ciphertext: it cannot be replayed into another sealed field.
IDENTITY_ASSOCIATED_DATA = b"reporter-identity"


@transaction.atomic
def store_reporter_identity(
    *, name: str = "", phone: str = "", id_number: str = "", address: str = ""
) -> ReporterIdentity:
    """Seal what the reporter chose to give; with nothing given the report is anonymous.

    No audit event carries these values; the caller audits that a report was received.
    """
    fields = {"name": name, "phone": phone, "id_number": id_number, "address": address}
    is_anonymous = not any(value.strip() for value in fields.values())
    key_id, ciphertext = encrypt_text(
        json.dumps(fields, ensure_ascii=False), associated_data=IDENTITY_ASSOCIATED_DATA
    )
    return ReporterIdentity.objects.create(
        reference=f"R{secrets.token_hex(6).upper()}",
        is_anonymous=is_anonymous,
        key_id=key_id,
        sealed_identity=ciphertext,
    )
