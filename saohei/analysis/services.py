"""State changes of the analysis context: the 村"两委"候选人资格联审 and its export."""

from pathlib import Path
from typing import IO

from django.db import transaction
from django.utils import timezone

from saohei.analysis import access, vetting
from saohei.analysis.changes import refresh_pending
from saohei.analysis.models import VettingCandidate, VettingResult, VettingRun
from saohei.audit.models import AuditAction, AuditResult
from saohei.audit.services import record_event
from saohei.cases import importing
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.pii import mask_id_number, seal
from saohei.leads.access import SIGN_OFF_ROLES
from saohei.organisations.access import grant_paths, unit_in_paths
from saohei.organisations.models import Unit, UnitKind, User


class CandidateListRefused(ServiceError):
    """Some rows of the list are not usable: `errors` lists each; nothing was stored."""

    def __init__(self, errors: list[importing.RowError]) -> None:
        super().__init__(
            f"名单中有 {len(errors)} 处错误，未进行联审，请修改后重新上传", field="file"
        )
        self.errors = errors


def _require_vetting(actor: User, unit: Unit) -> None:
    if unit.kind != UnitKind.TOWN or not access.vetting_towns(actor).filter(pk=unit.pk).exists():
        raise ActionNotAllowed("只有本镇领导小组组长、副组长和扫黑办工作人员可以进行候选人资格联审")


def run_vetting(
    *, actor: User, unit: Unit, file: IO[bytes], ip_address: str | None = None
) -> VettingRun:
    """Check a town's candidate list against the registry and store the 联审 sheet; any bad row
    refuses the whole list (`CandidateListRefused`, audited) and stores nothing of it."""
    _require_vetting(actor, unit)
    name = Path(str(getattr(file, "name", "") or "候选人名单")).name[:200]
    kind = importing.detect_kind(file, name)
    sha256 = importing.sha256_of(file)
    villages = dict(Unit.objects.filter(parent=unit).villages().active().values_list("name", "pk"))
    try:
        candidates = vetting.read_candidates(file, kind, villages=villages, town_name=unit.name)
    except importing.UnreadableFile as error:
        raise ServiceError(error.message, field="file") from error
    if candidates.errors:
        record_event(
            action=AuditAction.VETTING_RUN,
            actor=actor,
            unit=unit,
            target_label=name,
            result=AuditResult.FAILURE,
            ip_address=ip_address,
            details={"errors": len(candidates.errors), "file_sha256": sha256},
        )
        raise CandidateListRefused(candidates.errors)
    # Records saved a moment ago are still in the registry's outbox: a 联审 must see them.
    refresh_pending()
    with transaction.atomic():
        findings = vetting.check_candidates(actor, candidates.candidates)
        review_count = sum(1 for found in findings if found)
        run = VettingRun.objects.create(
            unit=unit,
            uploaded_by=actor,
            uploaded_at=timezone.now(),
            file_name=name,
            file_sha256=sha256,
            candidate_count=len(candidates.candidates),
            review_count=review_count,
            covers_officials_leads=unit_in_paths(unit, grant_paths(actor, SIGN_OFF_ROLES)),
        )
        rows = []
        for candidate, found in zip(candidates.candidates, findings, strict=True):
            row = VettingCandidate(
                run=run,
                row_number=candidate.row,
                village_id=candidate.village_id,
                name=candidate.name,
                position=candidate.position,
                result=VettingResult.REVIEW if found else VettingResult.CLEAR,
                findings=[finding.as_dict() for finding in found],
            )
            row.set_id_number(
                seal("id_number", candidate.id_number),
                masked=mask_id_number(candidate.id_number),
            )
            rows.append(row)
        VettingCandidate.objects.bulk_create(rows, batch_size=500)
        record_event(
            action=AuditAction.VETTING_RUN,
            actor=actor,
            unit=unit,
            target=run,
            ip_address=ip_address,
            details={
                "candidates": run.candidate_count,
                "review": review_count,
                "file_sha256": sha256,
            },
        )
    return run


@transaction.atomic
def record_vetting_export(
    *, actor: User, run: VettingRun, count: int, ip_address: str | None = None
) -> None:
    """Every export of a 联审 sheet is audited, with the number of candidates written."""
    if not access.visible_vetting_runs(actor).filter(pk=run.pk).exists():
        raise ActionNotAllowed("您无权导出该联审表")
    record_event(
        action=AuditAction.VETTING_EXPORTED,
        actor=actor,
        unit=run.unit,
        target=run,
        ip_address=ip_address,
        details={"candidates": count},
    )
