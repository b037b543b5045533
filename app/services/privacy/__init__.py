"""Children's privacy: guardians' consents, who saw a child's data, the yearly
compliance figures and recorded breaches (and, with issue 14's second half,
retention and deletion)."""
