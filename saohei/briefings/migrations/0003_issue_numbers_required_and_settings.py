import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("briefings", "0002_issue_numbers"),
        ("organisations", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="briefingdraft",
            name="issue_year",
            field=models.PositiveSmallIntegerField(verbose_name="年度"),
        ),
        migrations.AlterField(
            model_name="briefingdraft",
            name="issue_number",
            field=models.PositiveIntegerField(verbose_name="期号"),
        ),
        migrations.AlterField(
            model_name="briefingdraft",
            name="issued_on",
            field=models.DateField(verbose_name="印发日期"),
        ),
        migrations.AddConstraint(
            model_name="briefingdraft",
            constraint=models.UniqueConstraint(
                fields=("unit", "issue_year", "issue_number"), name="briefing_issue_unique"
            ),
        ),
        migrations.CreateModel(
            name="BriefingSettings",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("issuing_unit", models.CharField(max_length=100, verbose_name="编发单位")),
                ("report_to", models.CharField(blank=True, max_length=300, verbose_name="报")),
                ("copy_to", models.CharField(blank=True, max_length=300, verbose_name="送")),
                (
                    "distribute_to",
                    models.CharField(blank=True, max_length=300, verbose_name="发"),
                ),
                (
                    "copies",
                    models.PositiveSmallIntegerField(
                        blank=True, null=True, verbose_name="共印份数"
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="修改时间")),
                (
                    "unit",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="briefing_settings",
                        to="organisations.unit",
                        verbose_name="所属镇",
                    ),
                ),
                (
                    "updated_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"verbose_name": "工作简报版头版记"},
        ),
    ]
