"""The centre's rules, as functions over the database session.

Services take model objects, the acting user and `now`; they flush but never
commit, and raise `refusals.Refusal` subclasses whose message is meant for people.
The caller (a view, through app/actions.py, a CLI command, or the job runner in
app/jobs.py) commits once or rolls back. The few steps that cannot be one
transaction commit through `transactions.commit_step`, and nothing else does.

One package per concept; each module's docstring says what it holds:

    refusals.py     every refusal, in one place
    audit.py        who did what (the audit log) and its list for staff
    jobs.py         the registry of periodic jobs (run by app/jobs.py, `flask run-jobs`)
    transactions.py `commit_step`, the one commit in services, and when it is allowed
    booking/        seats, bookings, the waiting list and offers; eligibility;
                    the catalogue residents see; the desk acting on someone's behalf
    schedule/       activities and their sessions (create, edit, cancel, move)
    attendance/     the roll, marking, walk-ins, leave (请假), the kiosk's check-in
    childcare/      programmes, the family calendar, submissions, the lottery,
                    the door and the pickup list
    welfare/        no-shows and suspensions, the welfare call list
    volunteering/   session helpers and volunteer hours
    people/         households, persons, users, 代办 links, logging in, sessions
    messaging/      notices, the outbox and its senders, reminders, calls for staff
    feedback/       satisfaction ratings (one per person per session attended)
    privacy/        children's privacy: guardians' consents, who saw a child's data,
                    the yearly compliance figures and breaches
    reports/        the service report: 人次, 人数 and the figures the district asks for
    privacy/        retention (the `retention` job), anonymisation, holds, a household's
                    copy of its data and its deletion request

docs/ARCHITECTURE.md has the whole map and where each rule lives.
"""
