"""国密 primitives: SM3 digests, HMAC-SM3 and SM4-GCM field encryption.

`cryptography` has SM3 and SM4 but no SM4 AEAD convenience class, so GCM is driven through
`Cipher` here, once, for the whole project.
"""

import base64
import hmac as std_hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings

NONCE_BYTES = 12
TAG_BYTES = 16


class DecryptionError(Exception):
    """The ciphertext was altered, or its key is not configured."""


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def hmac_sm3_hex(key: bytes, data: bytes) -> str:
    mac = crypto_hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize().hex()


def constant_time_equal(left: str, right: str) -> bool:
    return std_hmac.compare_digest(left.encode(), right.encode())


def current_data_key_id() -> str:
    return next(iter(settings.SAOHEI_DATA_KEYS))


def encrypt_text(plaintext: str, *, associated_data: bytes = b"") -> tuple[str, str]:
    """Encrypt under the current data key; returns (key id, base64 nonce‖ciphertext‖tag)."""
    key_id = current_data_key_id()
    nonce = os.urandom(NONCE_BYTES)
    encryptor = Cipher(
        algorithms.SM4(settings.SAOHEI_DATA_KEYS[key_id]), modes.GCM(nonce)
    ).encryptor()
    encryptor.authenticate_additional_data(associated_data)
    body = encryptor.update(plaintext.encode("utf-8")) + encryptor.finalize()
    return key_id, base64.b64encode(nonce + body + encryptor.tag).decode("ascii")


def decrypt_text(key_id: str, token: str, *, associated_data: bytes = b"") -> str:
    key = settings.SAOHEI_DATA_KEYS.get(key_id)
    if key is None:
        raise DecryptionError(f"未配置编号为 {key_id} 的数据密钥")
    raw = base64.b64decode(token)
    nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(associated_data)
    try:
        return (decryptor.update(body) + decryptor.finalize()).decode("utf-8")
    except Exception as error:  # InvalidTag and friends: never leak which
        raise DecryptionError("密文校验失败") from error
