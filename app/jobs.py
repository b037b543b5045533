"""Imports every module that registers periodic jobs with `app.services.jobs.job`."""

import app.services.attendance  # noqa: E402,F401  (no-shows, welfare calls, suspensions)
import app.services.auth  # noqa: E402,F401  (forget-login-failures)
import app.services.lottery  # noqa: E402,F401  (lottery_seeds)
import app.services.outbox  # noqa: E402,F401  (send-outbox, queue-reminders)
import app.services.pickup  # noqa: E402,F401  (forget-expired-pickups)
import app.services.waitlist  # noqa: E402,F401  (expire-offers)
