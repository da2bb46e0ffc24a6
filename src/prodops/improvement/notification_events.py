from prodops.notifications.events import register_event

register_event(
    "retrospective.opened",
    "Retrospective opened",
    "{product} moved to {stage}: hold its retrospective by {due}.",
    description="A transition into warranty or operate, or a handback, opened a retrospective.",
)
