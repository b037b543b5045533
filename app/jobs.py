"""Imports every module that registers periodic jobs with `app.services.jobs.job`."""

import app.services.booking.offers  # noqa: F401  (expire-offers)
import app.services.childcare.pickup_list  # noqa: F401  (forget-expired-pickups)
import app.services.childcare.seed  # noqa: F401  (lottery_seeds)
import app.services.messaging.outbox  # noqa: F401  (send-outbox)
import app.services.messaging.reminders  # noqa: F401  (queue-reminders)
import app.services.people.login  # noqa: F401  (forget-login-failures)
import app.services.welfare.no_shows  # noqa: F401  (no-shows, suspensions, welfare calls)
