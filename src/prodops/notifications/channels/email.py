"""Email through Django's mail backend (``PRODOPS_EMAIL_URL``), with a one-click
unsubscribe link (RFC 8058 ``List-Unsubscribe`` + ``List-Unsubscribe-Post``)."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage

from prodops.notifications.channels import Message, Result


def render(message: Message) -> EmailMessage:
    lines = [message.text, ""]
    if message.url:
        lines += [f"Open in ProdOps: {message.url}", ""]
    headers = {"X-ProdOps-Event": message.event, "X-ProdOps-Notification": message.id}
    if message.unsubscribe_url:
        lines += ["--", f"Stop these emails ({message.event}): {message.unsubscribe_url}"]
        headers["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    product = message.product.get("name") if message.product else ""
    subject = f"[ProdOps] {message.title}" + (f": {product}" if product else "")
    return EmailMessage(
        subject=subject,
        body="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.target],
        headers=headers,
    )


def send(message: Message) -> Result:
    email = render(message)
    try:
        email.send(fail_silently=False)
    except smtplib.SMTPResponseException as error:
        # 4xx SMTP replies are transient by definition; 5xx are permanent.
        code = int(error.smtp_code)
        return Result(ok=False, retry=code < 500, error=f"SMTP {code}: {error.smtp_error!r}")
    except smtplib.SMTPRecipientsRefused as error:
        return Result(ok=False, retry=False, error=f"recipient refused: {error.recipients}")
    except (TimeoutError, smtplib.SMTPException, OSError) as error:
        return Result(ok=False, retry=True, error=f"SMTP: {error}")
    return Result(ok=True)
