"""Privacy (issue 14, second half): what the centre keeps and for how long.

- activity.py: THE definition of a person's activity, and who is due for anonymisation;
- anonymise.py: anonymising a person (and their household once empty), pseudonyms;
- retention.py: the `retention` job, a list of small steps;
- holds.py: people staff keep out of the job, with a reason (audited);
- requests.py: a household's request to be deleted, confirmed at the desk;
- household_copy.py: everything held about a household, as JSON and a workbook.
"""
