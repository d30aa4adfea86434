import pytest

from saohei.organisations.models import Unit, UnitKind
from saohei.organisations.services import build_unit


@pytest.fixture
def town(demo: None) -> Unit:
    return Unit.objects.get(name="港西镇")


@pytest.fixture
def other_town(demo: None) -> Unit:
    """A second town under the same 市扫黑办 (so the supervisor covers it, the town's office not)."""
    city = Unit.objects.get(name="荣成市扫黑办")
    return build_unit(name="崂山镇", kind=UnitKind.TOWN, parent=city, code="LS", sort_order=20)


@pytest.fixture
def foreign_town(demo: None) -> Unit:
    """A town under another city's office: outside everyone's scope in the demo."""
    city = build_unit(
        name="文登区扫黑办", kind=UnitKind.CITY_OFFICE, parent=None, code="WD", sort_order=1
    )
    return build_unit(name="宋村镇", kind=UnitKind.TOWN, parent=city, code="SC", sort_order=1)
