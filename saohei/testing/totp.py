"""Signing in like a person would, TOTP step included: for tests and benchmarks."""

from binascii import unhexlify

from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from saohei.organisations.models import User


def current_totp(user: User) -> str:
    """A token the device has not seen yet: a device refuses a step it already accepted.

    Signing in twice within one 30-second step would replay the token, so the second sign-in
    uses the next step, which the device's drift tolerance accepts.
    """
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    oath = TOTP(unhexlify(device.key), device.step, device.t0, device.digits, device.drift)
    oath.drift = device.drift + max(0, device.last_t + 1 - oath.t())
    return f"{oath.token():0{device.digits}d}"


def sign_in_client(client: Client, username: str, password: str) -> Client:
    """Sign a test client in through the real pages, answering the TOTP step when there is one."""
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:2000]
    if response["Location"].endswith("/accounts/login/otp/"):
        account = User.objects.get(username=username)
        response = client.post("/accounts/login/otp/", {"token": current_totp(account)})
        assert response.status_code == 302, response.content.decode()[:2000]
    return client
