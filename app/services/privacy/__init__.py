"""Privacy (issue 14): what the centre keeps, for how long, and who saw it.

- consent.py: a guardian's consents per child (booking records, care notes);
- children.py: who is a child for consent and for access records;
- access.py: the record of who saw a child's data, and the lists of it;
- compliance.py: the yearly compliance figures and recorded breaches;
- activity.py: THE definition of a person's activity, and who is due for anonymisation;
- anonymise.py: anonymising a person (and their household once empty), pseudonyms;
- retention.py: the `retention` job, a list of small steps;
- holds.py: people staff keep out of the job, with a reason (audited);
- requests.py: a household's request to be deleted, confirmed at the desk;
- household_copy.py: everything held about a household, as JSON and a workbook.
"""
