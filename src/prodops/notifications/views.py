"""HTML pages: the in-app list, preferences, channels (edit, test), the delivery log,
and the one-click unsubscribe link of every email."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt

from prodops.accounts import policy
from prodops.catalog.models import DEFAULT_STAGES, Product
from prodops.core.actors import Actor
from prodops.core.errors import InvalidInput, NotFound, PermissionDenied, ProdOpsError
from prodops.notifications import events as registry
from prodops.notifications import services
from prodops.notifications.models import Channel, Delivery, DigestSchedule, Preference


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user, "web")  # type: ignore[arg-type]


def inbox(request: HttpRequest) -> HttpResponse:
    person = services.person_for(_actor(request))
    entries = services.inbox(person=person) if person else Delivery.objects.none()
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page, "person": person})


def mark_read(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    actor = _actor(request)
    person = services.person_for(actor)
    if person is not None:
        with transaction.atomic():
            services.mark_read(actor=actor, person=person)
    return redirect("notifications:inbox")


def preferences(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    person = services.person_for(actor)
    if person is None:
        messages.info(request, "Your account is not linked to a person in the catalog yet.")
        return redirect("notifications:inbox")
    if request.method == "POST":
        try:
            with transaction.atomic():
                current = services.preferences(person=person)  # once, not once per event
                for name in registry.events():
                    mode = request.POST.get(name)
                    if mode is not None and mode != current[name]:
                        services.set_preference(actor=actor, person=person, event=name, mode=mode)
                if "digest_hour" in request.POST or "digest_time_zone" in request.POST:
                    _save_digest_schedule(request, actor, person)
        except PermissionDenied:
            raise  # the policy's refusal is the 403 page (PolicyDeniedMiddleware), not a message
        except ProdOpsError as exc:
            messages.error(request, exc.message)
        else:
            messages.info(request, "Saved.")
        return redirect("notifications:preferences")
    current = services.preferences(person=person)
    rows = [(spec, current[name]) for name, spec in registry.events().items()]
    schedule = DigestSchedule.objects.filter(person=person).first()
    return render(
        request,
        "notifications/preferences.html",
        {
            "rows": rows,
            "modes": Preference.Mode.choices,
            "hours": range(24),
            "time_zones": services.time_zones(),
            "digest_hour": schedule.hour if schedule else None,
            "digest_time_zone": schedule.time_zone if schedule else "",
            "default_hour": settings.PRODOPS_DIGEST_HOUR,
            "default_time_zone": settings.TIME_ZONE,
        },
    )


def _save_digest_schedule(request: HttpRequest, actor: Actor, person: Any) -> None:
    """The digest hour ("" for the site's default) and time zone ("" likewise)."""
    raw = request.POST.get("digest_hour", "")
    try:
        hour = int(raw) if raw != "" else None
    except ValueError:
        raise InvalidInput("the digest hour is a whole hour from 0 to 23", field="hour") from None
    zone = request.POST.get("digest_time_zone", "")
    schedule = DigestSchedule.objects.filter(person=person).first()
    if schedule is None and hour is None and not zone:
        return  # the defaults, as before
    if schedule is None or (schedule.hour, schedule.time_zone) != (hour, zone):
        services.set_digest_schedule(actor=actor, person=person, hour=hour, time_zone=zone)


def log(request: HttpRequest) -> HttpResponse:
    if not policy.allows(_actor(request), "notification.log"):
        raise DjangoPermissionDenied("Only product operations and admins see the delivery log.")
    return render(request, "notifications/log.html", {"deliveries": services.delivery_log(limit=200)})


def channels(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    return render(
        request,
        "notifications/channels.html",
        {"channels": Channel.objects.all(), "can_manage": policy.allows(actor, "channel.manage")},
    )


class ChannelForm(forms.Form):
    slug = forms.SlugField(max_length=63)
    name = forms.CharField(max_length=200, required=False)
    type = forms.ChoiceField(choices=Channel.Type.choices)
    url = forms.CharField(max_length=1000, help_text="https://… or mailto:address")
    secret_env = forms.CharField(
        max_length=128,
        required=False,
        label="Secret from environment variable",
        help_text="e.g. PRODOPS_OPS_HOOK_SECRET",
    )
    secret_file = forms.CharField(max_length=1000, required=False, label="…or secret from file")
    events = forms.MultipleChoiceField(choices=(), widget=forms.CheckboxSelectMultiple)
    # The product selector: a product matches when it matches every field filled in
    # (any of that field's values); all empty means every product.
    tags = forms.CharField(required=False, help_text="Only products with one of these tags (comma-separated)")
    teams = forms.CharField(required=False, help_text="Only products of these teams (comma-separated slugs)")
    tiers = forms.TypedMultipleChoiceField(
        choices=[(t, f"Tier {t}") for t in range(1, 5)],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only products of these tiers (none ticked: any tier)",
    )
    stages = forms.MultipleChoiceField(
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only products in these stages (none ticked: any stage)",
    )

    def __init__(self, *args: Any, chosen_stages: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = [(n, n) for n in registry.events()]  # type: ignore[attr-defined]
        # The default lifecycle, then stages of a standard of its own that products are in
        # or the channel already names (a manifest may name any).
        stages = list(DEFAULT_STAGES)
        in_use = Product.objects.order_by("stage").values_list("stage", flat=True).distinct()
        for stage in [*in_use, *(chosen_stages or [])]:
            if stage not in stages:
                stages.append(stage)
        self.fields["stages"].choices = [(s, s) for s in stages]  # type: ignore[attr-defined]

    def data_for_service(self) -> services.ChannelData:
        d = self.cleaned_data
        secret = (
            {"env": d["secret_env"]}
            if d["secret_env"]
            else ({"file": d["secret_file"]} if d["secret_file"] else {})
        )

        def split(text: str) -> list[str]:
            return [t.strip() for t in text.split(",") if t.strip()]

        return services.ChannelData(
            slug=d["slug"],
            name=d["name"],
            type=d["type"],
            url=d["url"],
            secret=secret,
            events=d["events"],
            products={
                "tags": split(d["tags"]),
                "teams": split(d["teams"]),
                "tiers": list(d["tiers"]),
                "stages": list(d["stages"]),
            },
        )


def _initial(channel: Channel) -> dict[str, Any]:
    return {
        "slug": channel.slug,
        "name": channel.name,
        "type": channel.type,
        "url": channel.url,
        "secret_env": channel.secret.get("env", ""),
        "secret_file": channel.secret.get("file", ""),
        "events": channel.events,
        "tags": ", ".join(channel.products.get("tags", [])),
        "teams": ", ".join(channel.products.get("teams", [])),
        "tiers": channel.products.get("tiers", []),
        "stages": channel.products.get("stages", []),
    }


def channel_edit(request: HttpRequest, slug: str = "") -> HttpResponse:
    actor = _actor(request)
    if not policy.allows(actor, "channel.manage"):
        raise DjangoPermissionDenied("Only product operations and admins edit channels.")
    channel = Channel.objects.filter(slug=slug).first() if slug else None
    if slug and channel is None:
        raise Http404("no such channel")
    form = ChannelForm(
        request.POST or None,
        initial=_initial(channel) if channel else None,
        chosen_stages=channel.products.get("stages", []) if channel else [],
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                saved, _ = services.save_channel(actor=actor, data=form.data_for_service())
        except ProdOpsError as exc:
            parts = exc.field.split(".")
            name = parts[1] if parts[0] == "products" and len(parts) > 1 else parts[0]
            field = name if name in form.fields else None
            if field == "secret":
                field = "secret_env"
            form.add_error(field, exc.message)
        else:
            messages.info(request, f"Channel {saved.slug} saved.")
            return redirect("notifications:channels")
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request, "notifications/channel_form.html", {"form": form, "channel": channel}, status=status
    )


def channel_test(request: HttpRequest, slug: str) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        with transaction.atomic():
            services.send_test(actor=_actor(request), channel=services.get_channel(slug))
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from None
    except NotFound as exc:
        raise Http404(exc.message) from None
    messages.info(request, "Test message queued; the delivery log shows how it went.")
    return redirect("notifications:channels")


def channel_resume(request: HttpRequest, slug: str) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        with transaction.atomic():
            services.resume_channel(actor=_actor(request), channel=services.get_channel(slug))
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from None
    return redirect("notifications:channels")


@csrf_exempt  # RFC 8058 one-click: the mail client POSTs without a session or CSRF token
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: ask to confirm (a link scanner following it changes nothing); POST: turn the
    event off, from the page's button or a mail client's one-click. An expired link is
    410 Gone, a forged one 404, each with a page saying what to do instead."""
    page = "notifications/unsubscribe.html"
    try:
        if request.method == "POST":
            with transaction.atomic():
                pref = services.unsubscribe(token=token)
            return render(request, page, {"done": True, "event": pref.event})
        _person, event = services.read_unsubscribe_token(token)
    except services.LinkExpired as exc:
        return render(request, page, {"error": exc.message, "expired": True}, status=410)
    except NotFound as exc:
        return render(request, page, {"error": exc.message}, status=404)
    return render(request, page, {"token": token, "event": event})
