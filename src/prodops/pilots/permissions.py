"""The pilot's actions (see ``prodops.accounts.policy`` for the rules)."""

from prodops.accounts import policy

policy.register("pilot.plan", "contribute", "Set or change a product's pilot plan")
policy.register("pilot.observe", "contribute", "Record pilot observations (one, or a CSV file)")
policy.register("pilot.feedback", "create", "Give feedback on a pilot (rating 1-5 and text)")
policy.register("pilot.decide", "lead", "Propose or sign a pilot decision (proceed, extend, stop)")
