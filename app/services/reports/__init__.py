"""Service reports (服务报表): what the centre did in a period, for the district's
monthly form, funders and the centre itself. Read-only functions over the database
session: no request, no commit.

    period.py      the period (month, quarter, year, two dates) and its UTC bounds
    base.py        the scope (centre or one teacher's classes), held sessions, visits
    sql.py         the SQL expressions SQLite and PostgreSQL spell differently
    figures.py     the headline figures (服务人次, 服务人数, seats, rates, …)
    places.py      places at sessions: booked, seats, leave, no-shows, late
                   cancellations, unmet demand
    breakdowns.py  人次 and 人数 by category, activity, audience, age band, tag, month
    details.py     childcare child-days, rating remarks, the ledger (台账)
    report.py      everything a report page shows, in one call

Every figure is an SQL aggregate (GROUP BY); Python only arranges the few rows
that come back.
"""
