from prodops.notifications.events import register_event

register_event(
    "handback.proposed",
    "Handback proposed",
    "{product} has been over its run team's operating limits since {since}: {reasons}. "
    "ProdOps proposes handing it back to {to}; both leads approve or reject it.",
    description="Operating load stayed over the handback policy's limits; both leads decide.",
)
