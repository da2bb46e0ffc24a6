"""Actions of the notifications app (channels, preferences, the delivery log)."""

from prodops.accounts import policy

policy.register_many(
    "manage",
    [
        ("channel.manage", "Create, edit, pause, resume and delete notification channels"),
        ("channel.test", "Send a test message to a channel"),
        ("notification.log", "See every delivery attempt of every notification"),
    ],
)
policy.register_many(
    "own",
    [
        ("notification.preferences", "Choose how you hear about each event (immediate, digest, off)"),
        ("notification.read_own", "Read your in-app notifications and mark them read"),
    ],
)
