"""Imports every module that registers periodic jobs with `app.services.jobs.job`."""
