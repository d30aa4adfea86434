import pytest

from saohei.organisations.models import Unit


@pytest.fixture
def town(demo: None) -> Unit:
    return Unit.objects.get(name="港西镇")


@pytest.fixture
def village(town: Unit) -> Unit:
    return Unit.objects.get(name="港西村")
