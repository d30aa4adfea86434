from django_tasks import task

from saohei.notifications.services import deliver


@task()
def send_delivery(delivery_id: int) -> str:
    """One attempt at one SMS or e-mail of a notice; the service schedules any retry."""
    delivery = deliver(delivery_id=delivery_id)
    return delivery.status if delivery is not None else "missing"
