"""Playbooks (versioned, config-as-code), their runs and the runs' steps.

A run is pinned to the ``PlaybookVersion`` it started from, and its steps are copied
into ``RunStep`` rows at start: a later change to the playbook never rewrites a running
or closed run.
"""

from __future__ import annotations

from django.db import models

from prodops.catalog.models import Person, Product, Team


class Playbook(models.Model):
    slug = models.SlugField(max_length=63, unique=True)
    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=1)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    @property
    def current(self) -> PlaybookVersion:
        return self.versions.get(version=self.version)


class PlaybookVersion(models.Model):
    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    spec = models.JSONField(help_text="The manifest's spec at this version.")
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=254, blank=True, default="")

    class Meta:
        ordering = ["playbook", "version"]
        constraints = [
            models.UniqueConstraint(fields=["playbook", "version"], name="playbook_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.playbook.slug} v{self.version}"


class Run(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    playbook = models.ForeignKey(Playbook, on_delete=models.PROTECT, related_name="runs")
    version = models.ForeignKey(PlaybookVersion, on_delete=models.PROTECT, related_name="runs")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.CASCADE, related_name="runs")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="runs")
    subject = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="runs_for",
        help_text="The person the run is for (a new engineer being onboarded).",
    )
    buddy = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="buddy_runs"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    trigger = models.CharField(max_length=32, default="manual")
    started_at = models.DateTimeField()
    started_by = models.CharField(max_length=254)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.CharField(max_length=254, blank=True, default="")
    done_when = models.TextField(help_text="The pinned version's done_when.")

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["status", "product"], name="run_status_product")]

    def __str__(self) -> str:
        return f"run {self.pk} of {self.playbook.slug}"


class RunStep(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        SKIPPED = "skipped", "Skipped"

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField()
    step_id = models.CharField(max_length=160)
    title = models.CharField(max_length=400)
    kind = models.CharField(max_length=16, default="task")
    phase = models.CharField(max_length=64, blank=True, default="")
    assignee = models.CharField(max_length=254, blank=True, default="")
    product = models.ForeignKey(
        Product,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The product this step is about (the run's, or one of the team's for onboarding).",
    )
    due = models.DateField(null=True, blank=True)
    required = models.BooleanField(default=True)
    depends_on = models.JSONField(default=list, blank=True)
    until = models.TextField(blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(
        max_length=16, blank=True, default="", help_text="approval: approved or rejected."
    )
    note = models.TextField(blank=True, default="")
    evidence = models.CharField(max_length=500, blank=True, default="")
    reason = models.TextField(blank=True, default="", help_text="Why it was skipped or rejected.")
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.CharField(max_length=254, blank=True, default="")
    override = models.BooleanField(default=False)

    class Meta:
        ordering = ["run", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "step_id"], name="runstep_unique")]

    def __str__(self) -> str:
        return f"{self.step_id} ({self.status})"

    @property
    def closed(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.SKIPPED}

    @property
    def assignee_emails(self) -> set[str]:
        """The emails of whoever the step is assigned to, resolved now (so a new run lead
        takes over the run lead's steps): a role of the step's product (or the run's),
        the run's buddy or subject, a person, or a team's members. Read by the policy's
        ``assignee`` rule."""
        value = self.assignee
        run = self.run
        product = self.product or run.product
        if not value:
            return set()
        if "@" in value:
            return {value.lower()}
        if value in {"build_lead", "run_lead"}:
            return {getattr(product, value).email.lower()} if product is not None else set()
        if value in {"buddy", "subject"}:
            person = run.buddy if value == "buddy" else run.subject
            return {person.email.lower()} if person is not None else set()
        team: Team | None = None
        if value in {"run_team", "build_team"}:
            team = getattr(product, value) if product is not None else run.team
        elif value.startswith("team:"):
            team = Team.objects.filter(slug=value.removeprefix("team:")).first()
        if team is None:
            return set()
        return {e.lower() for e in team.members.values_list("email", flat=True)}
