import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from saohei.common.roles import Role
from saohei.organisations.models import RoleGrant, Unit, UnitKind, User
from saohei.organisations.services import build_unit


@pytest.fixture
def other_town(demo: None) -> Unit:
    """A second town under the same city office, with its own administrators and a village."""
    city = Unit.objects.get(kind=UnitKind.CITY_OFFICE)
    town = build_unit(name="滨海镇", kind=UnitKind.TOWN, parent=city, code="BH")
    village = build_unit(name="滨海村", kind=UnitKind.VILLAGE, parent=town)
    for username, role, unit in [
        ("xitong2", Role.SYSTEM_ADMIN, town),
        ("anquan2", Role.SECURITY_ADMIN, town),
        ("banshi2", Role.OFFICE_STAFF, town),
        ("cun_bh", Role.VILLAGE_HEAD, village),
    ]:
        user = User.objects.create_user(
            username=username, password="Saohei@2026", real_name=username, unit=unit
        )
        User.objects.filter(pk=user.pk).update(must_change_password=False)
        RoleGrant.objects.create(user=user, role=role, unit=unit)
        if role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN):
            TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return town
