"""What participants say about the sessions they came to: satisfaction ratings (满意度).

    ratings.py  who may rate which session, giving a rating, what is left to rate

The report reads these figures in services/reports/satisfaction.py.
"""
