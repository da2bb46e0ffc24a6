"""Notification events of the campaigns app."""

from prodops.notifications.events import register_event

register_event(
    "campaign.reminder",
    "Campaign deadline near",
    "{product}: {days_left} days left in campaign {campaign} (target {target}); still failing: {failing}",
    description="Sent to both leads 14 and 3 days before a campaign's target while a criterion fails.",
)
