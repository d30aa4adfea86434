from django.db import models


class ReporterIdentity(models.Model):
    """A reporter's identity and contact, sealed with SM4-GCM, apart from any lead.

    A lead holds only `reference`, a random pseudonym. Only the 举报信息保管员 may reveal the
    fields (`saohei.custody`); every reveal is audited without the identity.
    """

    reference = models.CharField("化名编号", max_length=32, unique=True)
    is_anonymous = models.BooleanField("匿名", default=True)
    key_id = models.CharField(max_length=16)
    sealed_identity = models.TextField(help_text="SM4-GCM 密文：姓名、电话、身份证号、住址（JSON）")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "举报人身份"

    def __str__(self) -> str:
        return self.reference
